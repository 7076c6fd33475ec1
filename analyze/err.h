/* err.h: moved to lib/err.h; kept so that older includes still build. */
#include "lib/err.h"
