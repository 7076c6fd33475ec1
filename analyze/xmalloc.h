/* xmalloc.h: moved to lib/xmalloc.h; kept so that older includes still build. */
#include "lib/xmalloc.h"
