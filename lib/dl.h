/* dl.h: a shared library opened on its first use, so that a command that never needs it does not
 * pay the dynamic loader for it, and for all it pulls in, at every start. */
#ifndef LIB_DL_H
#define LIB_DL_H

struct dl_lib {
	const char *soname;  /* e.g. "libcurl.so.4" */
	const char *package; /* the Debian package that holds it, for the error */
	void *handle;
};

/* The address of name in l, opening l first. A library or symbol that is not there is said on
 * stderr in one line ("leakscope: cannot load libcurl.so.4 (Debian package libcurl4): ..."), and the
 * program exits 2, as on any trouble: nothing else can stand in for it. Thread-safe. */
void *dl_sym(struct dl_lib *l, const char *name);

/* A forwarder with the library's own name and prototype: the first call finds the real function. */
#define DL_FORWARD(lib, ret, name, params, args)                         \
	ret name params                                                  \
	{                                                                \
		static ret(*fn) params;                                  \
		ret(*f) params = __atomic_load_n(&fn, __ATOMIC_ACQUIRE); \
		if (!f) {                                                \
			f = (ret(*) params)dl_sym(&(lib), #name);        \
			__atomic_store_n(&fn, f, __ATOMIC_RELEASE);      \
		}                                                        \
		return f args;                                           \
	}
#define DL_FORWARD_VOID(lib, name, params, args)                          \
	void name params                                                  \
	{                                                                 \
		static void(*fn) params;                                  \
		void(*f) params = __atomic_load_n(&fn, __ATOMIC_ACQUIRE); \
		if (!f) {                                                 \
			f = (void(*) params)dl_sym(&(lib), #name);        \
			__atomic_store_n(&fn, f, __ATOMIC_RELEASE);       \
		}                                                         \
		f args;                                                   \
	}

#endif
