/* mhd_load.c: libmicrohttpd opened on first use: only `respond` serves HTTP, and its loading (GnuTLS
 * and what that pulls in) would cost every command at start. Each function the program calls is
 * defined here under libmicrohttpd's own name and forwards to it. */
#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "lib/dl.h"

static struct dl_lib mhd = {"libmicrohttpd.so.12", "libmicrohttpd12", 0};

DL_FORWARD(mhd, struct MHD_Response *, MHD_create_response_from_buffer,
	   (size_t size, void *buffer, enum MHD_ResponseMemoryMode mode), (size, buffer, mode))
DL_FORWARD(mhd, enum MHD_Result, MHD_add_response_header,
	   (struct MHD_Response * r, const char *header, const char *content), (r, header, content))
DL_FORWARD(mhd, enum MHD_Result, MHD_queue_response,
	   (struct MHD_Connection * c, unsigned int status, struct MHD_Response *r), (c, status, r))
DL_FORWARD_VOID(mhd, MHD_destroy_response, (struct MHD_Response * r), (r))
DL_FORWARD(mhd, const char *, MHD_lookup_connection_value,
	   (struct MHD_Connection * c, enum MHD_ValueKind kind, const char *key), (c, kind, key))
DL_FORWARD_VOID(mhd, MHD_stop_daemon, (struct MHD_Daemon * d), (d))
DL_FORWARD(mhd, struct MHD_Daemon *, MHD_start_daemon_va,
	   (unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,
	    MHD_AccessHandlerCallback dh, void *dh_cls, va_list ap),
	   (flags, port, apc, apc_cls, dh, dh_cls, ap))

/* The options that follow, to MHD_OPTION_END, go on as they are. */
struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,
				    MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	struct MHD_Daemon *d;
	va_list ap;

	va_start(ap, dh_cls);
	d = MHD_start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return d;
}

/* The info types asked for (the bound port) take no argument. */
const union MHD_DaemonInfo *MHD_get_daemon_info(struct MHD_Daemon *d, enum MHD_DaemonInfoType type, ...)
{
	static const union MHD_DaemonInfo *(*fn)(struct MHD_Daemon *, enum MHD_DaemonInfoType, ...);
	const union MHD_DaemonInfo *(*f)(struct MHD_Daemon *, enum MHD_DaemonInfoType,
					 ...) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);

	if (!f) {
		f = (const union MHD_DaemonInfo *(*)(struct MHD_Daemon *, enum MHD_DaemonInfoType,
						     ...))dl_sym(&mhd, "MHD_get_daemon_info");
		__atomic_store_n(&fn, f, __ATOMIC_RELEASE);
	}
	return f(d, type);
}
