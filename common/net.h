/*
 * net.h - sockets: listen, connect, accept, all non-blocking and CLOEXEC.
 *
 * Functions return an fd, or -1 with a reason in err.
 */
#ifndef NET_H
#define NET_H

#include <stddef.h>
#include <stdint.h>

int	net_listen(const char *host, uint16_t port, char *err, size_t errlen);
/* Start a connect; the fd becomes writable when it completes or fails. */
int	net_connect(const char *host, uint16_t port, char *err, size_t errlen);
/* 0 if a started connect succeeded, else -1 with errno set. */
int	net_connect_result(int fd);
/* Accept one; -1 with errno (EAGAIN when none are waiting). */
int	net_accept(int lfd, char *peer, size_t peerlen);
/* "ip:port" of fd's remote end, or "?" */
void	net_peer_name(int fd, char *out, size_t outlen);
/*
 * Let the kernel hold at most about bytes of fd's output not yet sent
 * (TCP_NOTSENT_LOWAT): the rest waits in the program, which can still
 * choose what goes next.  Best effort.
 */
void	net_notsent_lowat(int fd, int bytes);

#endif
