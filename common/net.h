/*
 * net.h - sockets: listen, connect, accept, all non-blocking and CLOEXEC.
 *
 * Functions return an fd, or -1 with a reason in err.
 *
 * Every connected socket (net_connect, net_accept) has the kernel watch
 * its peer: TCP keepalive probes after NET_KEEPIDLE_S idle, and
 * TCP_USER_TIMEOUT, so a link whose peer went silent (host down, cable
 * cut, partition) is aborted after NET_USER_TIMEOUT_MS of data or probes
 * unacknowledged, whatever the program above it does.  That is the
 * backstop; links that must notice sooner (tracker links) send heartbeats
 * of their own (WT_BEAT) and time out on them.
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

#define NET_USER_TIMEOUT_MS	10000
#define NET_KEEPIDLE_S		5
#define NET_KEEPINTVL_S		1

/*
 * For a link that carries little and must resume soon after a path
 * comes back (the trackers' links): retransmit at linear intervals
 * while few segments are in flight (TCP_THIN_LINEAR_TIMEOUTS), and never
 * wait more than a second between retransmissions (TCP_RTO_MAX_MS,
 * Linux 6.15 on; older kernels back off to two minutes: then the
 * program's heartbeat deadline drops the link and it reconnects).  Best
 * effort.
 */
void	net_quick_retransmit(int fd);

#endif
