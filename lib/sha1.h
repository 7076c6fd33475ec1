/* sha1.h: SHA-1 (FIPS 180-4), for the WebSocket handshake's Sec-WebSocket-Accept only: nothing here
 * relies on it for secrecy or integrity. */
#ifndef LIB_SHA1_H
#define LIB_SHA1_H

#include <stddef.h>

#define SHA1_LEN 20

void sha1(const void *data, size_t n, unsigned char out[SHA1_LEN]);

#endif
