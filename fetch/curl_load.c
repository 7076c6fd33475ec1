/* curl_load.c: libcurl opened on first use. Only fetching needs it, and it pulls in some thirty
 * libraries (TLS, Kerberos, LDAP, HTTP/2 ...) whose loading would cost every command ~5 ms at start.
 * Each function the program calls is defined here under libcurl's own name and forwards to it. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <stdarg.h>

#include "lib/dl.h"

static struct dl_lib curl = {"libcurl.so.4", "libcurl4", 0};

DL_FORWARD(curl, CURLcode, curl_global_init, (long flags), (flags))
DL_FORWARD(curl, struct curl_slist *, curl_slist_append, (struct curl_slist * l, const char *s), (l, s))
DL_FORWARD_VOID(curl, curl_slist_free_all, (struct curl_slist * l), (l))
DL_FORWARD(curl, const char *, curl_easy_strerror, (CURLcode c), (c))
DL_FORWARD(curl, CURL *, curl_easy_init, (void), ())
DL_FORWARD(curl, CURLcode, curl_easy_perform, (CURL * h), (h))
DL_FORWARD_VOID(curl, curl_easy_cleanup, (CURL * h), (h))
DL_FORWARD(curl, CURLcode, curl_easy_recv, (CURL * h, void *buf, size_t len, size_t *n), (h, buf, len, n))
DL_FORWARD(curl, CURLcode, curl_easy_send, (CURL * h, const void *buf, size_t len, size_t *n), (h, buf, len, n))
DL_FORWARD(curl, CURLM *, curl_multi_init, (void), ())
DL_FORWARD(curl, CURLMcode, curl_multi_add_handle, (CURLM * m, CURL *h), (m, h))
DL_FORWARD(curl, CURLMcode, curl_multi_remove_handle, (CURLM * m, CURL *h), (m, h))
DL_FORWARD(curl, CURLMcode, curl_multi_poll,
	   (CURLM * m, struct curl_waitfd extra[], unsigned int n, int ms, int *numfds), (m, extra, n, ms, numfds))
DL_FORWARD(curl, CURLMcode, curl_multi_wakeup, (CURLM * m), (m))
DL_FORWARD(curl, CURLMcode, curl_multi_perform, (CURLM * m, int *running), (m, running))
DL_FORWARD(curl, CURLMcode, curl_multi_cleanup, (CURLM * m), (m))
DL_FORWARD(curl, CURLMsg *, curl_multi_info_read, (CURLM * m, int *left), (m, left))
DL_FORWARD(curl, const char *, curl_multi_strerror, (CURLMcode c), (c))

/* The one argument after the option is a long, a pointer (data or function) or a curl_off_t, as
 * the option's number range says (curl.h's CURLOPTTYPE_*). */
CURLcode curl_easy_setopt(CURL *h, CURLoption option, ...)
{
	static CURLcode (*fn)(CURL *, CURLoption, ...);
	CURLcode (*f)(CURL *, CURLoption, ...) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
	CURLcode r;
	va_list ap;

	if (!f) {
		f = (CURLcode(*)(CURL *, CURLoption, ...))dl_sym(&curl, "curl_easy_setopt");
		__atomic_store_n(&fn, f, __ATOMIC_RELEASE);
	}
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		r = f(h, option, va_arg(ap, long));
	else if (option >= CURLOPTTYPE_OFF_T && option < CURLOPTTYPE_BLOB)
		r = f(h, option, va_arg(ap, curl_off_t));
	else
		r = f(h, option, va_arg(ap, void *));
	va_end(ap);
	return r;
}

/* The one argument after the info is always a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	static CURLcode (*fn)(CURL *, CURLINFO, ...);
	CURLcode (*f)(CURL *, CURLINFO, ...) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
	CURLcode r;
	va_list ap;

	if (!f) {
		f = (CURLcode(*)(CURL *, CURLINFO, ...))dl_sym(&curl, "curl_easy_getinfo");
		__atomic_store_n(&fn, f, __ATOMIC_RELEASE);
	}
	va_start(ap, info);
	r = f(h, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}
