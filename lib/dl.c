/* dl.c: shared libraries opened on first use. */
#include "lib/dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void *dl_sym(struct dl_lib *l, const char *name)
{
	void *p = NULL;

	pthread_mutex_lock(&lock);
	if (!l->handle)
		l->handle = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (l->handle)
		p = dlsym(l->handle, name);
	if (!p) {
		const char *why = dlerror();

		pthread_mutex_unlock(&lock);
		fprintf(stderr, "leakscope: cannot load %s%s%s (Debian package %s): %s\n", l->soname,
			l->handle ? ": " : "", l->handle ? name : "", l->package, why ? why : "not found");
		exit(2);
	}
	pthread_mutex_unlock(&lock);
	return p;
}
