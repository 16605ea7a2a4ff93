/*
 * sfpeer: a scripted TCP peer for the synfin capture corpus.
 *
 * The command line is a list of actions run in order on one current
 * connection (listen, accept, connect, send, recv, shutwr, close, ...), so
 * that tests/capture/make-pcaps.sh can drive both ends of a connection
 * through every close and abort path the corpus needs with plain POSIX
 * sockets.  The key design choice is that every wait is bounded: each
 * blocking step polls with the -t limit, and alarm(3) ends the program after
 * -T seconds whatever happens.  A failed step is reported and the run goes
 * on, because many scenarios expect resets and refusals; the exit status is
 * 1 when a step failed that was not preceded by "mayfail".
 *
 * Actions (run "sfpeer" alone for the list with arguments):
 *	listen, accept		bind and listen (SO_REUSEADDR), accept one
 *	bind, reuseaddr		explicit local address and SO_REUSEADDR for
 *				every later connect
 *	connect			connect a new current socket
 *	send, recv, waiteof	write N bytes, read N bytes, read until EOF
 *	trickle			send COUNT times SIZE bytes, MS apart
 *	shutwr, linger0, close	shutdown(SHUT_WR), SO_LINGER {1, 0}, close(2)
 *	sleep, timeout		pause; change the wait limit
 *	touch, wait, barrier	synchronise with the script or the other peer
 *	serve, burst		N short connections, server and client side
 *	rawopen, rawrst		inject a RST outside the window (IPv4)
 *	mayfail			the next action is expected to fail
 */

#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SF_CHUNK	65536	/* Largest single read or write. */

struct peer {
	int			 lfd;		/* Listening socket or -1. */
	int			 fd;		/* Current connection or -1. */
	int			 rawfd;		/* Raw IPv4 TCP socket or -1. */
	int			 reuse;		/* SO_REUSEADDR on new sockets. */
	int			 timeout;	/* Wait limit in milliseconds. */
	int			 verbose;
	int64_t			 start;		/* For -v, in milliseconds. */
	struct sockaddr_storage	 local;		/* Explicit local address. */
	socklen_t		 locallen;	/* 0 when not bound. */
};

struct action {
	const char	*name;
	int		 nargs;
	int		(*fn)(struct peer *, char **);
	const char	*args;
};

static int	act_accept(struct peer *, char **);
static int	act_barrier(struct peer *, char **);
static int	act_bind(struct peer *, char **);
static int	act_burst(struct peer *, char **);
static int	act_close(struct peer *, char **);
static int	act_connect(struct peer *, char **);
static int	act_linger0(struct peer *, char **);
static int	act_listen(struct peer *, char **);
static int	act_rawopen(struct peer *, char **);
static int	act_rawrst(struct peer *, char **);
static int	act_recv(struct peer *, char **);
static int	act_reuseaddr(struct peer *, char **);
static int	act_send(struct peer *, char **);
static int	act_serve(struct peer *, char **);
static int	act_shutwr(struct peer *, char **);
static int	act_sleep(struct peer *, char **);
static int	act_timeout(struct peer *, char **);
static int	act_touch(struct peer *, char **);
static int	act_trickle(struct peer *, char **);
static int	act_wait(struct peer *, char **);
static int	act_waiteof(struct peer *, char **);
static int	do_close(struct peer *);
static int	do_connect(struct peer *, const struct sockaddr_storage *,
		    socklen_t);
static int	do_recv(struct peer *, long, int);
static int	do_send(struct peer *, long);
static int	fail(const char *, ...)
		    __attribute__((__format__(__printf__, 1, 2)));
static long	getnum(const char *, long, long);
static int64_t	now_ms(void);
static int	parse_addr(const char *, const char *,
		    struct sockaddr_storage *, socklen_t *);
static uint16_t	tcp_cksum4(const uint8_t *, size_t, uint32_t, uint32_t);
static void	sleep_ms(long);
static void	usage(void);
static int	wait_fd(int, short, int64_t);

/*
 * The actions, sorted by name.  "mayfail" is handled by the main loop.
 */
static const struct action actions[] = {
	{ "accept",	0, act_accept,	"" },
	{ "barrier",	1, act_barrier,	"PATH" },
	{ "bind",	2, act_bind,	"ADDR PORT" },
	{ "burst",	3, act_burst,	"N ADDR PORT" },
	{ "close",	0, act_close,	"" },
	{ "connect",	2, act_connect,	"ADDR PORT" },
	{ "linger0",	0, act_linger0,	"" },
	{ "listen",	2, act_listen,	"ADDR PORT" },
	{ "mayfail",	0, NULL,	"" },
	{ "rawopen",	0, act_rawopen,	"" },
	{ "rawrst",	1, act_rawrst,	"OFFSET" },
	{ "recv",	1, act_recv,	"N" },
	{ "reuseaddr",	0, act_reuseaddr, "" },
	{ "send",	1, act_send,	"N" },
	{ "serve",	1, act_serve,	"N" },
	{ "shutwr",	0, act_shutwr,	"" },
	{ "sleep",	1, act_sleep,	"MS" },
	{ "timeout",	1, act_timeout,	"SEC" },
	{ "touch",	1, act_touch,	"PATH" },
	{ "trickle",	3, act_trickle,	"COUNT SIZE MS" },
	{ "wait",	1, act_wait,	"PATH" },
	{ "waiteof",	0, act_waiteof,	"" },
};

int
main(int argc, char *argv[])
{
	struct peer		 p;
	const struct action	*a;
	size_t			 i;
	long			 limit = 120;
	int			 ch, mayfail = 0, rc, status = 0;

	memset(&p, 0, sizeof(p));
	p.lfd = p.fd = p.rawfd = -1;
	p.timeout = 10000;

	while ((ch = getopt(argc, argv, "T:t:v")) != -1) {
		switch (ch) {
		case 'T':
			limit = getnum(optarg, 1, 3600);
			break;
		case 't':
			p.timeout = (int)getnum(optarg, 1, 3600) * 1000;
			break;
		case 'v':
			p.verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();

	/* The watchdog: SIGALRM's default action ends the process. */
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned int)limit);
	p.start = now_ms();

	while (argc > 0) {
		a = NULL;
		for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
			if (strcmp(argv[0], actions[i].name) == 0)
				a = &actions[i];
		if (a == NULL) {
			warnx("unknown action: %s", argv[0]);
			usage();
		}
		if (argc - 1 < a->nargs) {
			warnx("%s needs %s", a->name, a->args);
			usage();
		}
		if (p.verbose) {
			fprintf(stderr, "sfpeer[%ld] %6lldms:", (long)getpid(),
			    (long long)(now_ms() - p.start));
			for (i = 0; i <= (size_t)a->nargs; i++)
				fprintf(stderr, " %s", argv[i]);
			fputc('\n', stderr);
		}
		if (a->fn == NULL) {
			mayfail = 1;
		} else {
			rc = a->fn(&p, argv + 1);
			if (rc == -1 && !mayfail)
				status = 1;
			mayfail = 0;
		}
		argc -= 1 + a->nargs;
		argv += 1 + a->nargs;
	}

	if (p.fd != -1)
		close(p.fd);
	if (p.lfd != -1)
		close(p.lfd);
	if (p.rawfd != -1)
		close(p.rawfd);
	return status;
}

static void
usage(void)
{
	size_t	i;

	fprintf(stderr, "usage: sfpeer [-v] [-T limit] [-t timeout] "
	    "action ...\nactions:\n");
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		fprintf(stderr, "\t%s%s%s\n", actions[i].name,
		    actions[i].args[0] != '\0' ? " " : "", actions[i].args);
	exit(2);
}

/*
 * Report a failed step on standard error and return -1, so that an action
 * can end with "return fail(...)".
 */
static int
fail(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	return -1;
}

static long
getnum(const char *s, long min, long max)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < min || n > max)
		errx(2, "bad number: %s", s);
	return n;
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		err(2, "clock_gettime");
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/*
 * Wait until fd is ready for events or the deadline passes.  Returns 1 when
 * ready, 0 on timeout and -1 on error.
 */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd	pfd;
	int64_t		left;
	int		n;

	for (;;) {
		left = deadline - now_ms();
		if (left < 0)
			left = 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, (int)left);
		if (n == -1 && errno == EINTR)
			continue;
		return n > 0 ? 1 : n;
	}
}

static int
parse_addr(const char *host, const char *port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct addrinfo	 hints, *res;
	int		 e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0)
		errx(2, "bad address %s port %s: %s", host, port,
		    gai_strerror(e));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int
act_listen(struct peer *p, char **av)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	int			on = 1;

	parse_addr(av[0], av[1], &ss, &len);
	if ((p->lfd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1)
		err(2, "socket");
	if (setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof(on)) == -1)
		err(2, "SO_REUSEADDR");
	if (bind(p->lfd, (struct sockaddr *)&ss, len) == -1)
		err(2, "bind %s port %s", av[0], av[1]);
	if (listen(p->lfd, 1024) == -1)
		err(2, "listen");
	return 0;
}

static int
act_accept(struct peer *p, char **av)
{
	int	n;

	(void)av;
	if (p->lfd == -1)
		return fail("accept: not listening");
	if (p->fd != -1)
		return fail("accept: current connection still open");
	n = wait_fd(p->lfd, POLLIN, now_ms() + p->timeout);
	if (n == 0)
		return fail("accept: timeout");
	if (n == -1 || (p->fd = accept(p->lfd, NULL, NULL)) == -1) {
		warn("accept");
		return -1;
	}
	return 0;
}

static int
act_bind(struct peer *p, char **av)
{
	return parse_addr(av[0], av[1], &p->local, &p->locallen);
}

static int
act_reuseaddr(struct peer *p, char **av)
{
	(void)av;
	p->reuse = 1;
	return 0;
}

static int
act_connect(struct peer *p, char **av)
{
	struct sockaddr_storage	ss;
	socklen_t		len;

	parse_addr(av[0], av[1], &ss, &len);
	return do_connect(p, &ss, len);
}

/*
 * Connect the current socket, with the explicit local address and
 * SO_REUSEADDR when asked for.  The connect is nonblocking so that it can
 * be bounded by the timeout.
 */
static int
do_connect(struct peer *p, const struct sockaddr_storage *ss, socklen_t len)
{
	socklen_t	elen;
	int		e, fl, n, on = 1;

	if (p->fd != -1)
		return fail("connect: current connection still open");
	if ((p->fd = socket(ss->ss_family, SOCK_STREAM, 0)) == -1)
		err(2, "socket");
	if (p->reuse && setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof(on)) == -1)
		err(2, "SO_REUSEADDR");
	if (p->locallen != 0 &&
	    bind(p->fd, (struct sockaddr *)&p->local, p->locallen) == -1) {
		warn("bind");
		goto bad;
	}
	if ((fl = fcntl(p->fd, F_GETFL)) == -1 ||
	    fcntl(p->fd, F_SETFL, fl | O_NONBLOCK) == -1)
		err(2, "fcntl");
	if (connect(p->fd, (const struct sockaddr *)ss, len) == -1) {
		if (errno != EINPROGRESS) {
			warn("connect");
			goto bad;
		}
		n = wait_fd(p->fd, POLLOUT, now_ms() + p->timeout);
		if (n == 0) {
			warnx("connect: timeout");
			goto bad;
		}
		elen = sizeof(e);
		if (n == -1 || getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e,
		    &elen) == -1)
			err(2, "connect: poll");
		if (e != 0) {
			warnx("connect: %s", strerror(e));
			goto bad;
		}
	}
	if (fcntl(p->fd, F_SETFL, fl) == -1)
		err(2, "fcntl");
	return 0;
bad:
	close(p->fd);
	p->fd = -1;
	return -1;
}

static int
act_send(struct peer *p, char **av)
{
	return do_send(p, getnum(av[0], 0, 1L << 30));
}

/*
 * Send n bytes of a repeating pattern, waiting at most the timeout for room
 * in the send buffer.
 */
static int
do_send(struct peer *p, long n)
{
	char		buf[SF_CHUNK];
	int64_t		deadline;
	ssize_t		w;
	size_t		len;
	int		r;

	if (p->fd == -1)
		return fail("send: no connection");
	for (len = 0; len < sizeof(buf) && (long)len < n; len++)
		buf[len] = "synfin\n"[len % 7];
	deadline = now_ms() + p->timeout;
	while (n > 0) {
		if ((r = wait_fd(p->fd, POLLOUT, deadline)) != 1)
			return r == 0 ? fail("send: timeout") : -1;
		len = n > SF_CHUNK ? SF_CHUNK : (size_t)n;
		if ((w = send(p->fd, buf, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			warn("send");
			return -1;
		}
		n -= w;
	}
	return 0;
}

static int
act_recv(struct peer *p, char **av)
{
	return do_recv(p, getnum(av[0], 1, 1L << 30), 0);
}

static int
act_waiteof(struct peer *p, char **av)
{
	(void)av;
	return do_recv(p, 0, 1);
}

/*
 * Read n bytes, or until end of file when toeof is set.  Reaching end of
 * file early, a reset and the timeout are failures.
 */
static int
do_recv(struct peer *p, long n, int toeof)
{
	char		buf[SF_CHUNK];
	int64_t		deadline;
	ssize_t		r;
	long		got = 0;
	int		w;

	if (p->fd == -1)
		return fail("recv: no connection");
	deadline = now_ms() + p->timeout;
	while (toeof || got < n) {
		if ((w = wait_fd(p->fd, POLLIN, deadline)) != 1)
			return w == 0 ? fail("recv: timeout after %ld bytes",
			    got) : -1;
		r = recv(p->fd, buf, toeof || n - got > SF_CHUNK ?
		    SF_CHUNK : (size_t)(n - got), 0);
		if (r == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			warn("recv after %ld bytes", got);
			return -1;
		}
		if (r == 0) {
			if (toeof) {
				if (p->verbose)
					fprintf(stderr, "sfpeer[%ld] eof "
					    "after %ld bytes\n",
					    (long)getpid(), got);
				return 0;
			}
			return fail("recv: eof after %ld of %ld bytes", got,
			    n);
		}
		got += r;
	}
	return 0;
}

static int
act_shutwr(struct peer *p, char **av)
{
	(void)av;
	if (p->fd == -1)
		return fail("shutwr: no connection");
	if (shutdown(p->fd, SHUT_WR) == -1) {
		warn("shutdown");
		return -1;
	}
	return 0;
}

/*
 * SO_LINGER with a zero timeout makes close(2) abort the connection with a
 * RST instead of a FIN.
 */
static int
act_linger0(struct peer *p, char **av)
{
	struct linger	l;

	(void)av;
	if (p->fd == -1)
		return fail("linger0: no connection");
	l.l_onoff = 1;
	l.l_linger = 0;
	if (setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) == -1)
		err(2, "SO_LINGER");
	return 0;
}

static int
act_close(struct peer *p, char **av)
{
	(void)av;
	return do_close(p);
}

static int
do_close(struct peer *p)
{
	if (p->fd == -1)
		return fail("close: no connection");
	if (close(p->fd) == -1)
		warn("close");
	p->fd = -1;
	return 0;
}

static int
act_sleep(struct peer *p, char **av)
{
	(void)p;
	sleep_ms(getnum(av[0], 0, 3600000));
	return 0;
}

static int
act_timeout(struct peer *p, char **av)
{
	p->timeout = (int)getnum(av[0], 1, 3600) * 1000;
	return 0;
}

static int
act_touch(struct peer *p, char **av)
{
	int	fd;

	(void)p;
	if ((fd = open(av[0], O_WRONLY | O_CREAT, 0644)) == -1)
		err(2, "%s", av[0]);
	close(fd);
	return 0;
}

static int
act_wait(struct peer *p, char **av)
{
	int64_t	deadline;

	deadline = now_ms() + p->timeout;
	while (access(av[0], F_OK) == -1) {
		if (now_ms() > deadline)
			return fail("wait: timeout for %s", av[0]);
		sleep_ms(2);
	}
	return 0;
}

/*
 * A two-party spin barrier on a shared mapping of PATH, so that two
 * processes in different namespaces leave it within a microsecond or so of
 * each other (used to make both ends close at the same moment).  The file
 * must not exist before the first party arrives.
 */
static int
act_barrier(struct peer *p, char **av)
{
	atomic_int	*cnt;
	int64_t		 deadline;
	unsigned long	 spins = 0;
	int		 fd, rc = 0;

	if ((fd = open(av[0], O_RDWR | O_CREAT, 0600)) == -1)
		err(2, "%s", av[0]);
	if (ftruncate(fd, sizeof(*cnt)) == -1)
		err(2, "ftruncate %s", av[0]);
	cnt = mmap(NULL, sizeof(*cnt), PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	if (cnt == MAP_FAILED)
		err(2, "mmap %s", av[0]);
	close(fd);
	deadline = now_ms() + p->timeout;
	atomic_fetch_add(cnt, 1);
	while (atomic_load(cnt) < 2) {
		if ((++spins & 0xffff) == 0 && now_ms() > deadline) {
			rc = fail("barrier: timeout");
			break;
		}
	}
	munmap(cnt, sizeof(*cnt));
	return rc;
}

static int
act_trickle(struct peer *p, char **av)
{
	long	count, i, ms, size;

	count = getnum(av[0], 1, 100000);
	size = getnum(av[1], 1, 1L << 20);
	ms = getnum(av[2], 0, 60000);
	for (i = 0; i < count; i++) {
		if (i > 0)
			sleep_ms(ms);
		if (do_send(p, size) == -1)
			return -1;
	}
	return 0;
}

/*
 * The server half of the burst: accept, read one byte, answer one byte,
 * wait for the client's FIN and close, n times.
 */
static int
act_serve(struct peer *p, char **av)
{
	long	i, n;
	int	rc = 0;

	n = getnum(av[0], 1, 1000000);
	for (i = 0; i < n; i++) {
		if (act_accept(p, NULL) == -1)
			return -1;
		if (do_recv(p, 1, 0) == -1 || do_send(p, 1) == -1 ||
		    do_recv(p, 0, 1) == -1)
			rc = -1;
		do_close(p);
	}
	return rc;
}

/*
 * The client half of the burst: connect, send one byte, read the answer
 * and close first, n times.
 */
static int
act_burst(struct peer *p, char **av)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	long			i, n;
	int			rc = 0;

	n = getnum(av[0], 1, 1000000);
	parse_addr(av[1], av[2], &ss, &len);
	for (i = 0; i < n; i++) {
		if (do_connect(p, &ss, len) == -1)
			return -1;
		if (do_send(p, 1) == -1 || do_recv(p, 1, 0) == -1)
			rc = -1;
		do_close(p);
	}
	return rc;
}

/*
 * A raw IPv4 TCP socket sees a copy of every TCP segment this host
 * receives; rawrst uses it to learn the current sequence numbers.
 */
static int
act_rawopen(struct peer *p, char **av)
{
	(void)av;
	if ((p->rawfd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP)) == -1)
		err(2, "raw socket");
	return 0;
}

/*
 * The TCP checksum over the IPv4 pseudo-header (RFC 9293, section 3.1) and
 * the segment; addresses are in network byte order.
 */
static uint16_t
tcp_cksum4(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst)
{
	uint32_t	sum = 0;
	size_t		i;

	src = ntohl(src);
	dst = ntohl(dst);
	sum += (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
	sum += IPPROTO_TCP + (uint32_t)len;
	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)seg[i] << 8 | seg[i + 1];
	if (len & 1)
		sum += (uint32_t)seg[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Inject a RST from our side of the current IPv4 connection whose sequence
 * number is OFFSET past our snd_nxt, taken from the acknowledgment number
 * of the peer's latest segment seen on the raw socket.  With a large
 * offset the RST is far outside the peer's receive window.
 */
static int
act_rawrst(struct peer *p, char **av)
{
	struct sockaddr_in	 me, peer;
	uint8_t			 pkt[2048], seg[20];
	socklen_t		 len;
	uint32_t		 ack = 0, seq, v;
	ssize_t			 n;
	size_t			 ihl;
	uint16_t		 ck;
	int			 found = 0;

	if (p->fd == -1 || p->rawfd == -1)
		return fail("rawrst: needs rawopen and a connection");
	len = sizeof(me);
	if (getsockname(p->fd, (struct sockaddr *)&me, &len) == -1 ||
	    me.sin_family != AF_INET)
		return fail("rawrst: IPv4 connections only");
	len = sizeof(peer);
	if (getpeername(p->fd, (struct sockaddr *)&peer, &len) == -1)
		return fail("rawrst: not connected");

	/* Drain the raw socket, keeping the newest segment of the peer. */
	while (wait_fd(p->rawfd, POLLIN, now_ms()) == 1) {
		if ((n = recv(p->rawfd, pkt, sizeof(pkt), 0)) == -1)
			err(2, "raw recv");
		if (n < 20 || (pkt[0] >> 4) != 4 || pkt[9] != IPPROTO_TCP)
			continue;
		ihl = (size_t)(pkt[0] & 0x0f) * 4;
		if ((size_t)n < ihl + 20 ||
		    memcmp(pkt + 12, &peer.sin_addr, 4) != 0 ||
		    memcmp(pkt + 16, &me.sin_addr, 4) != 0 ||
		    memcmp(pkt + ihl, &peer.sin_port, 2) != 0 ||
		    memcmp(pkt + ihl + 2, &me.sin_port, 2) != 0 ||
		    (pkt[ihl + 13] & 0x10) == 0)
			continue;
		memcpy(&v, pkt + ihl + 8, 4);
		ack = ntohl(v);
		found = 1;
	}
	if (!found)
		return fail("rawrst: no segment from the peer seen");

	seq = ack + (uint32_t)getnum(av[0], 0, 0x7fffffffL);
	memset(seg, 0, sizeof(seg));
	memcpy(seg, &me.sin_port, 2);
	memcpy(seg + 2, &peer.sin_port, 2);
	v = htonl(seq);
	memcpy(seg + 4, &v, 4);
	seg[12] = 5 << 4;		/* Data offset: 5 words. */
	seg[13] = 0x04;			/* RST alone. */
	ck = htons(tcp_cksum4(seg, sizeof(seg), me.sin_addr.s_addr,
	    peer.sin_addr.s_addr));
	memcpy(seg + 16, &ck, 2);
	peer.sin_port = 0;
	if (sendto(p->rawfd, seg, sizeof(seg), 0, (struct sockaddr *)&peer,
	    sizeof(peer)) == -1) {
		warn("rawrst: sendto");
		return -1;
	}
	if (p->verbose)
		fprintf(stderr, "sfpeer[%ld] injected RST seq %u "
		    "(snd_nxt %u)\n", (long)getpid(), seq, ack);
	return 0;
}
