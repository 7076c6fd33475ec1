/* text.h: moved to lib/text.h; kept so that older includes still build. */
#include "lib/text.h"
