/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_flowgen: control path. Devargs, the pair registry, ethdev operations,
 * statistics and extended statistics.
 *
 *   --vdev net_flowgen0,pair=bench,role=client,flows=100000,size=64
 *   --vdev net_flowgen1,pair=bench,role=server
 *
 * Traffic keys (flows, proto, mix, size, new_rate, data, seed, timestamps,
 * window, timeout_ms, order, pps, client_nat, attack, attack_pps, close,
 * start_ms, duration_ms) belong to the pair: either port may give them, a
 * key given by both must agree, and they are fixed when the first port of
 * the pair starts.
 *
 *   order=rand (default)  the client sends, each packet, for a flow drawn at
 *                         random among those that have data to send, so a
 *                         forwarder sees the flows interleaved as real
 *                         traffic is; order=seq serves them first ready first
 *                         served, which keeps the order they were opened in.
 *                         Either way a handshake's or a close's last ACK goes
 *                         before any data, as a TCP stack sends it at once
 *                         (with 10M flows a random turn can take a minute,
 *                         longer than a firewall's SYN_RECV timeout)
 *   pps=N                 the client sends at most N packets a second of open
 *                         connections (new connections follow new_rate); a
 *                         timestamp is the time the packet became due
 *   client_nat=A.0.0.0    the forwarder maps the client block 10.0.0.0/8 to
 *                         A.0.0.0/8 keeping the host bits (NETMAP as a
 *                         source NAT): the server sees and answers the
 *                         clients there; the client is not affected
 *   attack=KIND[+KIND]    beside its connections the client sends attack
                         packets (flowgen_attack.c): syn, udp, frag (first
                         fragments never completed), icmperr (ICMP errors
                         quoting random tuples), rst (RST/ACKs of no
                         connection), tftp (TFTP read requests to port 69),
                         several taken in turn; none = off.
                         The checkers count what comes back of them apart
                         (attack_sent, attack_received), never as loss or
                         unknown flows of the connections
   attack_pps=N          attack packets a second; 0 (default) = the rest of
                         every burst, whatever the forwarder has left
   close=fin|rst|idle|mix  how a TCP connection with data=N ends: its FIN
                         handshake (default), a reset by the client once
                         its data is acked, or silence (the client forgets
                         it once acked: the forwarder's entry must idle
                         out); mix = a third each, drawn per connection
   start_ms=N            the client sends nothing for N ms after its first
                         poll (time to set the forwarder up)
   duration_ms=N         then it sends for N ms and stops for good (what is
                         open is left open); 0 (default) = for ever
   rxq=K                 (per port) the port offers K + 1 RX queues and the
 *                         traffic comes on queue K, the others stay empty: it
 *                         steers a port to one forwarding lcore
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>

#include "flowgen.h"
#include "rte_pmd_flowgen.h"

RTE_LOG_REGISTER_DEFAULT(fg_logtype, NOTICE);
#define FG_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, fg_logtype, "net_flowgen: " fmt "\n", ##__VA_ARGS__)

/* ---- devargs ---- */

#define FG_KEYS(X) \
	X(PAIR, "pair") X(ROLE, "role") X(FLOWS, "flows") X(PROTO, "proto") \
	X(MIX, "mix") X(SIZE, "size") X(NEW_RATE, "new_rate") X(DATA, "data") \
	X(SEED, "seed") X(TIMESTAMPS, "timestamps") X(WINDOW, "window") \
	X(TIMEOUT_MS, "timeout_ms") X(ORDER, "order") X(PPS, "pps") X(RXQ, "rxq") \
	X(CLIENT_NAT, "client_nat") X(ATTACK, "attack") X(ATTACK_PPS, "attack_pps") \
	X(CLOSE, "close") X(START_MS, "start_ms") X(DURATION_MS, "duration_ms")

#define X_ENUM(e, s) K_ ## e,
enum { FG_KEYS(X_ENUM) K_COUNT };
#define X_NAME(e, s) s,
static const char *const fg_keys[] = { FG_KEYS(X_NAME) NULL };

/* bits of fg_pair.set for the traffic keys (pair and role are per port) */
#define SET(k) (1u << (k))

struct fg_args {
	char pair[32];
	int role;
	uint16_t rxq;
	unsigned set;
	struct fg_conf conf;
	char err[96];
};

static int
parse_u64(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long x;

	if (v == NULL || *v == '\0' || *v == '-')
		return -1;
	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno || *end != '\0' || x < min || x > max)
		return -1;
	*out = x;
	return 0;
}

static int
parse_mix(const char *v, uint8_t mix[FG_NPROTO])
{
	uint64_t a[FG_NPROTO];
	char buf[32], *save = NULL, *tok;
	unsigned i = 0;

	if (strlen(v) >= sizeof(buf))
		return -1;
	strcpy(buf, v);
	for (tok = strtok_r(buf, "/:", &save); tok; tok = strtok_r(NULL, "/:", &save)) {
		if (i == FG_NPROTO || parse_u64(tok, 0, 100, &a[i]) < 0)
			return -1;
		i++;
	}
	if (i != FG_NPROTO || a[0] + a[1] + a[2] != 100)
		return -1;
	for (i = 0; i < FG_NPROTO; i++)
		mix[i] = (uint8_t)a[i];
	return 0;
}

static const char *const fg_attack_names[FG_NATTACK] = {
#define FG_ATK_NAME(e, s) s,
	FG_ATTACKS(FG_ATK_NAME)
#undef FG_ATK_NAME
};

/* attack=KIND[+KIND...] into a mask of enum fg_attack bits. */
static int
parse_attack(const char *v, uint8_t *mask)
{
	char buf[64], *save = NULL, *tok;
	unsigned k;

	if (strlen(v) >= sizeof(buf))
		return -1;
	strcpy(buf, v);
	*mask = 0;
	for (tok = strtok_r(buf, "+", &save); tok; tok = strtok_r(NULL, "+", &save)) {
		for (k = 0; k < FG_NATTACK; k++)
			if (strcmp(tok, fg_attack_names[k]) == 0)
				break;
		if (k == FG_NATTACK)
			return -1;
		*mask |= (uint8_t)(1u << k);
	}
	return *mask ? 0 : -1;
}

static int
fg_arg(const char *key, const char *v, void *opaque)
{
	struct fg_args *a = opaque;
	struct fg_conf *c = &a->conf;
	uint64_t x;
	int k;

	for (k = 0; k < K_COUNT; k++)
		if (strcmp(key, fg_keys[k]) == 0)
			break;
	if (v == NULL)
		goto bad;
	switch (k) {
	case K_PAIR:
		if (strlen(v) == 0 || strlen(v) >= sizeof(a->pair))
			goto bad;
		strcpy(a->pair, v);
		return 0;
	case K_ROLE:
		if (strcmp(v, "client") == 0)
			a->role = FG_CLIENT;
		else if (strcmp(v, "server") == 0)
			a->role = FG_SERVER;
		else
			goto bad;
		return 0;
	case K_RXQ:
		if (parse_u64(v, 0, FG_MAX_TXQ - 1, &x) < 0)
			goto bad;
		a->rxq = (uint16_t)x;
		return 0;
	case K_ORDER:
		if (strcmp(v, "rand") == 0)
			c->order = FG_ORDER_RAND;
		else if (strcmp(v, "seq") == 0)
			c->order = FG_ORDER_SEQ;
		else
			goto bad;
		break;
	case K_PPS:
		if (parse_u64(v, 0, 1000000000, &x) < 0)
			goto bad;
		c->pps = x;
		break;
	case K_FLOWS:
		if (parse_u64(v, 1, FG_MAX_FLOWS, &x) < 0)
			goto bad;
		c->flows = (uint32_t)x;
		break;
	case K_PROTO:
		memset(c->mix, 0, sizeof(c->mix));
		if (strcmp(v, "tcp") == 0) {
			c->mix[FG_TCP] = 100;
		} else if (strcmp(v, "udp") == 0) {
			c->mix[FG_UDP] = 100;
		} else if (strcmp(v, "icmp") == 0) {
			c->mix[FG_ICMP] = 100;
		} else if (strcmp(v, "mix") == 0) {
			if (a->set & SET(K_MIX))
				return 0;       /* mix= came first and says how */
			c->mix[FG_TCP] = 80;
			c->mix[FG_UDP] = 15;
			c->mix[FG_ICMP] = 5;
		} else if (parse_mix(v, c->mix) < 0) {
			goto bad;
		}
		k = K_MIX;              /* proto and mix set the same thing */
		break;
	case K_MIX:
		if (parse_mix(v, c->mix) < 0)
			goto bad;
		break;
	case K_SIZE:
		if (parse_u64(v, 64, 1518, &x) < 0)
			goto bad;
		c->size = (uint16_t)x;
		break;
	case K_NEW_RATE:
		if (parse_u64(v, 0, UINT32_MAX, &x) < 0)
			goto bad;
		c->new_rate = x;
		break;
	case K_DATA:
		if (parse_u64(v, 0, UINT32_MAX, &x) < 0)
			goto bad;
		c->data = (uint32_t)x;
		break;
	case K_SEED:
		if (parse_u64(v, 0, UINT64_MAX, &x) < 0)
			goto bad;
		c->seed = x;
		break;
	case K_TIMESTAMPS:
		if (parse_u64(v, 0, 1, &x) < 0)
			goto bad;
		c->timestamps = (uint8_t)x;
		break;
	case K_WINDOW:
		if (parse_u64(v, 1, 1024, &x) < 0)
			goto bad;
		c->window = (uint16_t)x;
		break;
	case K_TIMEOUT_MS:
		if (parse_u64(v, 0, 3600000, &x) < 0)
			goto bad;
		c->timeout_ms = (uint32_t)x;
		break;
	case K_ATTACK:
		if (strcmp(v, "none") == 0)
			c->attack = 0;
		else if (parse_attack(v, &c->attack) < 0)
			goto bad;
		break;
	case K_ATTACK_PPS:
		if (parse_u64(v, 0, 1000000000, &x) < 0)
			goto bad;
		c->attack_pps = x;
		break;
	case K_CLOSE:
		if (strcmp(v, "fin") == 0)
			c->close = FG_CLOSE_FIN;
		else if (strcmp(v, "rst") == 0)
			c->close = FG_CLOSE_RST;
		else if (strcmp(v, "idle") == 0)
			c->close = FG_CLOSE_IDLE;
		else if (strcmp(v, "mix") == 0)
			c->close = FG_CLOSE_MIX;
		else
			goto bad;
		break;
	case K_START_MS:
		if (parse_u64(v, 0, 3600000, &x) < 0)
			goto bad;
		c->start_ms = (uint32_t)x;
		break;
	case K_DURATION_MS:
		if (parse_u64(v, 0, UINT32_MAX, &x) < 0)
			goto bad;
		c->duration_ms = (uint32_t)x;
		break;
	case K_CLIENT_NAT: {
		struct in_addr ia;

		/* a /8 other than the clients' own */
		if (inet_pton(AF_INET, v, &ia) != 1 ||
		    (rte_be_to_cpu_32(ia.s_addr) & 0x00ffffffu) != 0 ||
		    rte_be_to_cpu_32(ia.s_addr) == 0x0a000000u)
			goto bad;
		c->client_nat = rte_be_to_cpu_32(ia.s_addr);
		break;
	}
	default:
		goto bad;
	}
	a->set |= SET(k);
	return 0;
bad:
	snprintf(a->err, sizeof(a->err), "bad value '%s' for %s", v ? v : "", key);
	return -1;
}

static const struct fg_conf fg_defaults = {
	.flows = 1024,
	.mix = { 100, 0, 0 },
	.size = 64,
	.new_rate = 0,
	.data = 0,
	.seed = 1,
	.timestamps = 0,
	.window = 4,
	.timeout_ms = 2000,
	.order = FG_ORDER_RAND,
	.pps = 0,
};

/* Value of key k in c, for comparing two ports' devargs. */
static uint64_t
conf_key(const struct fg_conf *c, int k)
{
	switch (k) {
	case K_FLOWS: return c->flows;
	case K_MIX: return (uint64_t)c->mix[0] << 16 | c->mix[1] << 8 | c->mix[2];
	case K_SIZE: return c->size;
	case K_NEW_RATE: return c->new_rate;
	case K_DATA: return c->data;
	case K_SEED: return c->seed;
	case K_TIMESTAMPS: return c->timestamps;
	case K_WINDOW: return c->window;
	case K_TIMEOUT_MS: return c->timeout_ms;
	case K_ORDER: return c->order;
	case K_PPS: return c->pps;
	case K_CLIENT_NAT: return c->client_nat;
	case K_ATTACK: return c->attack;
	case K_ATTACK_PPS: return c->attack_pps;
	case K_CLOSE: return c->close;
	case K_START_MS: return c->start_ms;
	case K_DURATION_MS: return c->duration_ms;
	default: return 0;
	}
}

static void
conf_copy_key(struct fg_conf *dst, const struct fg_conf *src, int k)
{
	switch (k) {
	case K_FLOWS: dst->flows = src->flows; break;
	case K_MIX: memcpy(dst->mix, src->mix, sizeof(dst->mix)); break;
	case K_SIZE: dst->size = src->size; break;
	case K_NEW_RATE: dst->new_rate = src->new_rate; break;
	case K_DATA: dst->data = src->data; break;
	case K_SEED: dst->seed = src->seed; break;
	case K_TIMESTAMPS: dst->timestamps = src->timestamps; break;
	case K_WINDOW: dst->window = src->window; break;
	case K_TIMEOUT_MS: dst->timeout_ms = src->timeout_ms; break;
	case K_ORDER: dst->order = src->order; break;
	case K_PPS: dst->pps = src->pps; break;
	case K_CLIENT_NAT: dst->client_nat = src->client_nat; break;
	case K_ATTACK: dst->attack = src->attack; break;
	case K_ATTACK_PPS: dst->attack_pps = src->attack_pps; break;
	case K_CLOSE: dst->close = src->close; break;
	case K_START_MS: dst->start_ms = src->start_ms; break;
	case K_DURATION_MS: dst->duration_ms = src->duration_ms; break;
	default: break;
	}
}

/* ---- pair registry (probe and close run on control threads) ---- */

static pthread_mutex_t fg_pairs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fg_pair *fg_pairs[RTE_MAX_ETHPORTS];

static struct fg_pair *
pair_attach(const struct fg_args *a, struct fg_port *p, char *err, size_t errlen)
{
	struct fg_pair *pr = NULL;
	unsigned i, free_i = RTE_DIM(fg_pairs);
	int k;

	pthread_mutex_lock(&fg_pairs_lock);
	for (i = 0; i < RTE_DIM(fg_pairs); i++) {
		if (fg_pairs[i] == NULL) {
			if (free_i == RTE_DIM(fg_pairs))
				free_i = i;
		} else if (strcmp(fg_pairs[i]->name, a->pair) == 0) {
			pr = fg_pairs[i];
			break;
		}
	}
	if (pr == NULL) {
		if (free_i == RTE_DIM(fg_pairs)) {
			snprintf(err, errlen, "too many pairs");
			goto out;
		}
		pr = calloc(1, sizeof(*pr));
		if (pr == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		strcpy(pr->name, a->pair);
		pr->conf = fg_defaults;
		fg_pairs[free_i] = pr;
	}
	if (pr->port[a->role] != NULL) {
		snprintf(err, errlen, "pair '%s' already has a %s", a->pair,
			 a->role == FG_CLIENT ? "client" : "server");
		pr = NULL;
		goto out;
	}
	for (k = 0; k < K_COUNT; k++) {
		if (!(a->set & SET(k)))
			continue;
		if (((pr->set & SET(k)) || pr->frozen) &&
		    conf_key(&pr->conf, k) != conf_key(&a->conf, k)) {
			snprintf(err, errlen, "%s differs from the other port of pair '%s'",
				 fg_keys[k], a->pair);
			pr = NULL;
			goto out;
		}
	}
	for (k = 0; k < K_COUNT; k++)
		if (a->set & SET(k))
			conf_copy_key(&pr->conf, &a->conf, k);
	pr->set |= a->set;
	pr->port[a->role] = p;
	pr->refcnt++;
out:
	pthread_mutex_unlock(&fg_pairs_lock);
	return pr;
}

static void
pair_detach(struct fg_pair *pr, struct fg_port *p)
{
	unsigned i;

	pthread_mutex_lock(&fg_pairs_lock);
	if (pr->port[p->role] == p)
		pr->port[p->role] = NULL;
	if (--pr->refcnt == 0) {
		for (i = 0; i < RTE_DIM(fg_pairs); i++)
			if (fg_pairs[i] == pr)
				fg_pairs[i] = NULL;
		free(pr);
	}
	pthread_mutex_unlock(&fg_pairs_lock);
}

/* ---- extended statistics ---- */

#define FG_XSTATS(X) \
	X(generated_packets) X(generated_bytes) X(checked_packets) X(checked_bytes) \
	X(conn_opened) X(conn_established) X(conn_closed) X(conn_timeout) X(conn_active) \
	X(loss_packets) X(out_of_order) X(bad_checksum) X(unknown_flow) X(malformed) \
	X(event_overflow) X(open_skipped) X(alloc_failed) X(pace_skipped) \
	X(latency_samples) X(latency_p50_ns) X(latency_p99_ns) X(latency_max_ns) \
	X(attack_sent) X(attack_received)

#define X_XENUM(n) XS_ ## n,
enum { FG_XSTATS(X_XENUM) XS_COUNT };
#define X_XNAME(n) #n,
static const char *const fg_xstat_names[] = { FG_XSTATS(X_XNAME) };

static uint64_t
cyc_to_ns(uint64_t c)
{
	return (uint64_t)((double)c * 1e9 / (double)rte_get_tsc_hz());
}

static void
fg_xstat_values(const struct fg_port *p, uint64_t v[XS_COUNT])
{
	const struct fg_rx_stats *r = &p->rx.st;
	const struct fg_tx_stats *t = &p->tx.st;
	static const double pct[2] = { 50.0, 99.0 };
	uint64_t q[2];
	bool client = p->role == FG_CLIENT;

	v[XS_generated_packets] = r->pkts;
	v[XS_generated_bytes] = r->bytes;
	v[XS_checked_packets] = t->pkts - t->attack_rx;
	v[XS_checked_bytes] = t->bytes;
	v[XS_conn_opened] = client ? r->opened : t->opened;
	v[XS_conn_established] = t->established;
	v[XS_conn_closed] = client ? r->closed : t->closed;
	v[XS_conn_timeout] = r->timeouts;
	v[XS_conn_active] = client ? p->rx.active :
			    v[XS_conn_opened] - RTE_MIN(v[XS_conn_closed], v[XS_conn_opened]);
	v[XS_loss_packets] = t->gap > t->late ? t->gap - t->late : 0;
	v[XS_out_of_order] = t->late;
	v[XS_bad_checksum] = t->bad_cksum;
	v[XS_unknown_flow] = t->unknown_flow;
	v[XS_malformed] = t->malformed;
	v[XS_event_overflow] = t->ev_overflow;
	v[XS_open_skipped] = r->open_skipped;
	v[XS_alloc_failed] = r->alloc_failed;
	v[XS_pace_skipped] = r->pace_skipped;
	fg_hist_pct(t, pct, q, 2);
	v[XS_latency_samples] = t->lat_n;
	v[XS_latency_p50_ns] = cyc_to_ns(q[0]);
	v[XS_latency_p99_ns] = cyc_to_ns(q[1]);
	v[XS_latency_max_ns] = cyc_to_ns(t->lat_max);
	v[XS_attack_sent] = r->attack;
	v[XS_attack_received] = t->attack_rx;
}

static int
fg_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs, unsigned n)
{
	uint64_t v[XS_COUNT];
	unsigned i;

	if (xs == NULL || n < XS_COUNT)
		return XS_COUNT;
	fg_xstat_values(dev->data->dev_private, v);
	for (i = 0; i < XS_COUNT; i++) {
		xs[i].id = i;
		xs[i].value = v[i];
	}
	return XS_COUNT;
}

static int
fg_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names, unsigned n)
{
	unsigned i;

	RTE_SET_USED(dev);
	if (names == NULL || n < XS_COUNT)
		return XS_COUNT;
	for (i = 0; i < XS_COUNT; i++)
		snprintf(names[i].name, sizeof(names[i].name), "%s", fg_xstat_names[i]);
	return XS_COUNT;
}

static int
fg_stats_reset(struct rte_eth_dev *dev)
{
	struct fg_port *p = dev->data->dev_private;

	memset(&p->rx.st, 0, sizeof(p->rx.st));
	memset(&p->tx.st, 0, sizeof(p->tx.st));
	dev->data->rx_mbuf_alloc_failed = 0;
	return 0;
}

static int
fg_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *s)
{
	struct fg_port *p = dev->data->dev_private;

	s->ipackets = p->rx.st.pkts + p->rx.st.attack;
	s->ibytes = p->rx.st.bytes + p->rx.st.attack_bytes;
	s->opackets = p->tx.st.pkts;
	s->obytes = p->tx.st.bytes;
	s->ierrors = 0;
	s->oerrors = 0;
	s->rx_nombuf = p->rx.st.alloc_failed;
	s->q_ipackets[0] = s->ipackets;
	s->q_ibytes[0] = s->ibytes;
	s->q_opackets[0] = s->opackets;
	s->q_obytes[0] = s->obytes;
	return 0;
}

/* ---- ethdev operations ---- */

static int
fg_dev_configure(struct rte_eth_dev *dev)
{
	struct fg_port *p = dev->data->dev_private;
	uint64_t off = dev->data->dev_conf.rxmode.offloads;

	/* like a NIC with RX checksum offload: what we build is always good */
	p->rx_ol_flags = 0;
	if (off & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		p->rx_ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	if (off & (RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM))
		p->rx_ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	return 0;
}

static int
fg_validate(const struct fg_conf *c, char *err, size_t errlen)
{
	if (c->mix[FG_TCP] == 0 && c->mix[FG_UDP] == 0 && c->mix[FG_ICMP] == 0) {
		snprintf(err, errlen, "proto mix is empty");
		return -1;
	}
	/* the data in flight must fit the TCP window we advertise */
	if (c->mix[FG_TCP] && (uint32_t)c->window * (uint32_t)(c->size - 58) > FG_TCP_WIN) {
		snprintf(err, errlen, "window=%u of %u-byte frames exceeds a %u-byte TCP window",
			 c->window, c->size, FG_TCP_WIN);
		return -1;
	}
	return 0;
}

static int
fg_dev_start(struct rte_eth_dev *dev)
{
	struct fg_port *p = dev->data->dev_private;
	char err[128];
	int rc;

	if (p->pool == NULL) {
		FG_LOG(ERR, "%s: no RX queue set up", dev->data->name);
		return -EINVAL;
	}
	if (!p->ready) {
		pthread_mutex_lock(&fg_pairs_lock);
		p->pair->frozen = true;
		p->conf = p->pair->conf;
		pthread_mutex_unlock(&fg_pairs_lock);
		if (fg_validate(&p->conf, err, sizeof(err)) < 0) {
			FG_LOG(ERR, "%s: %s", dev->data->name, err);
			return -EINVAL;
		}
		rc = fg_tables_init(p, dev->data->numa_node < 0 ? SOCKET_ID_ANY :
				    dev->data->numa_node);
		if (rc < 0) {
			FG_LOG(ERR, "%s: cannot allocate tables for %u flows: %s",
			       dev->data->name, p->conf.flows, rte_strerror(-rc));
			return rc;
		}
	}
	dev->data->dev_link.link_status = RTE_ETH_LINK_UP;
	for (rc = 0; rc < dev->data->nb_rx_queues; rc++)
		dev->data->rx_queue_state[rc] = RTE_ETH_QUEUE_STATE_STARTED;
	for (rc = 0; rc < dev->data->nb_tx_queues; rc++)
		dev->data->tx_queue_state[rc] = RTE_ETH_QUEUE_STATE_STARTED;
	return 0;
}

static int
fg_dev_stop(struct rte_eth_dev *dev)
{
	uint16_t q;

	dev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;
	for (q = 0; q < dev->data->nb_rx_queues; q++)
		dev->data->rx_queue_state[q] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (q = 0; q < dev->data->nb_tx_queues; q++)
		dev->data->tx_queue_state[q] = RTE_ETH_QUEUE_STATE_STOPPED;
	return 0;
}

static int
fg_dev_close(struct rte_eth_dev *dev)
{
	struct fg_port *p = dev->data->dev_private;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY || p == NULL)
		return 0;
	fg_tables_free(p);
	if (p->pair != NULL) {
		pair_detach(p->pair, p);
		p->pair = NULL;
	}
	return 0;
}

static int
fg_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	const struct fg_port *p = dev->data->dev_private;

	info->max_mac_addrs = 1;
	info->max_rx_pktlen = 1518;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_mtu = RTE_ETHER_MTU;
	info->max_rx_queues = (uint16_t)(p->rxq + 1);
	info->max_tx_queues = FG_MAX_TXQ;
	info->min_rx_bufsize = 0;
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
				RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	info->tx_offload_capa = 0;
	info->speed_capa = RTE_ETH_LINK_SPEED_100G;
	return 0;
}

static const uint32_t *
fg_ptypes(struct rte_eth_dev *dev)
{
	static const uint32_t pt[] = {
		RTE_PTYPE_L2_ETHER, RTE_PTYPE_L3_IPV4, RTE_PTYPE_L4_TCP,
		RTE_PTYPE_L4_UDP, RTE_PTYPE_L4_ICMP, RTE_PTYPE_UNKNOWN,
	};

	RTE_SET_USED(dev);
	return pt;
}

/* The RX queues below rxq=: a port that is never ready returns nothing. */
static struct fg_port fg_idle_queue;

static int
fg_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc, unsigned socket,
		  const struct rte_eth_rxconf *conf, struct rte_mempool *pool)
{
	struct fg_port *p = dev->data->dev_private;
	uint32_t room = rte_pktmbuf_data_room_size(pool);

	RTE_SET_USED(nb_desc);
	RTE_SET_USED(socket);
	RTE_SET_USED(conf);
	if (qid > p->rxq)
		return -EINVAL;
	if (qid != p->rxq) {
		dev->data->rx_queues[qid] = &fg_idle_queue;    /* never has anything */
		return 0;
	}
	if (room < RTE_PKTMBUF_HEADROOM + 1518u) {
		FG_LOG(ERR, "%s: mbufs of %u bytes cannot hold a 1518-byte frame",
		       dev->data->name, room);
		return -EINVAL;
	}
	p->pool = pool;
	dev->data->rx_queues[qid] = p;
	return 0;
}

static int
fg_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc, unsigned socket,
		  const struct rte_eth_txconf *conf)
{
	RTE_SET_USED(nb_desc);
	RTE_SET_USED(socket);
	RTE_SET_USED(conf);
	dev->data->tx_queues[qid] = dev->data->dev_private;
	return 0;
}

static void
fg_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(qid);
}

static int
fg_link_update(struct rte_eth_dev *dev, int wait)
{
	RTE_SET_USED(wait);
	dev->data->dev_link.link_speed = RTE_ETH_SPEED_NUM_100G;
	dev->data->dev_link.link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
	dev->data->dev_link.link_autoneg = RTE_ETH_LINK_FIXED;
	return 0;
}

static int
fg_promisc(struct rte_eth_dev *dev)
{
	RTE_SET_USED(dev);
	return 0;
}

static int
fg_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	RTE_SET_USED(dev);
	return mtu <= RTE_ETHER_MTU ? 0 : -EINVAL;
}

static const struct eth_dev_ops fg_ops = {
	.dev_configure = fg_dev_configure,
	.dev_start = fg_dev_start,
	.dev_stop = fg_dev_stop,
	.dev_close = fg_dev_close,
	.dev_infos_get = fg_dev_infos_get,
	.dev_supported_ptypes_get = fg_ptypes,
	.rx_queue_setup = fg_rx_queue_setup,
	.tx_queue_setup = fg_tx_queue_setup,
	.rx_queue_release = fg_queue_release,
	.tx_queue_release = fg_queue_release,
	.link_update = fg_link_update,
	.promiscuous_enable = fg_promisc,
	.promiscuous_disable = fg_promisc,
	.allmulticast_enable = fg_promisc,
	.allmulticast_disable = fg_promisc,
	.mtu_set = fg_mtu_set,
	.stats_get = fg_stats_get,
	.stats_reset = fg_stats_reset,
	.xstats_get = fg_xstats_get,
	.xstats_get_names = fg_xstats_get_names,
	.xstats_reset = fg_stats_reset,
};

/* ---- probe / remove ---- */

static int
fg_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	const char *params = rte_vdev_device_args(vdev);
	struct rte_kvargs *kv = NULL;
	struct rte_eth_dev *dev;
	struct fg_port *p;
	struct fg_args a;
	char err[128];

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		FG_LOG(ERR, "%s: secondary processes are not supported", name);
		return -ENOTSUP;
	}
	memset(&a, 0, sizeof(a));
	a.role = -1;
	a.conf = fg_defaults;
	if (params != NULL && *params != '\0') {
		kv = rte_kvargs_parse(params, fg_keys);
		if (kv == NULL) {
			FG_LOG(ERR, "%s: cannot parse '%s' (keys: %s)", name, params,
			       "pair, role, flows, proto, mix, size, new_rate, data, "
			       "seed, timestamps, window, timeout_ms, order, pps, rxq, "
			       "client_nat, attack, attack_pps, close, start_ms, duration_ms");
			return -EINVAL;
		}
		if (rte_kvargs_process(kv, NULL, fg_arg, &a) < 0) {
			FG_LOG(ERR, "%s: %s", name, a.err);
			rte_kvargs_free(kv);
			return -EINVAL;
		}
		rte_kvargs_free(kv);
	}
	if (a.pair[0] == '\0' || a.role < 0) {
		FG_LOG(ERR, "%s: pair=NAME and role=client|server are required", name);
		return -EINVAL;
	}

	dev = rte_eth_vdev_allocate(vdev, sizeof(struct fg_port));
	if (dev == NULL)
		return -ENOMEM;
	p = dev->data->dev_private;
	p->port_id = dev->data->port_id;
	p->role = (uint8_t)a.role;
	p->rxq = a.rxq;
	p->pair = pair_attach(&a, p, err, sizeof(err));
	if (p->pair == NULL) {
		FG_LOG(ERR, "%s: %s", name, err);
		rte_eth_dev_release_port(dev);
		return -EINVAL;
	}
	/* locally administered, by role: both frames' MACs are fixed */
	p->mac = (struct rte_ether_addr){ { 0x02, 0x66, 0x67, 0, 0, (uint8_t)(1 + a.role) } };
	p->peer_mac = (struct rte_ether_addr){ { 0x02, 0x66, 0x67, 0, 0, (uint8_t)(2 - a.role) } };
	dev->data->mac_addrs = rte_zmalloc_socket(name, sizeof(struct rte_ether_addr), 0,
						  dev->data->numa_node);
	if (dev->data->mac_addrs == NULL) {
		pair_detach(p->pair, p);
		rte_eth_dev_release_port(dev);
		return -ENOMEM;
	}
	*dev->data->mac_addrs = p->mac;
	dev->data->dev_link = (struct rte_eth_link){
		.link_speed = RTE_ETH_SPEED_NUM_100G,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_status = RTE_ETH_LINK_DOWN,
		.link_autoneg = RTE_ETH_LINK_FIXED,
	};
	dev->data->dev_flags |= RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	dev->dev_ops = &fg_ops;
	dev->rx_pkt_burst = a.role == FG_CLIENT ? fg_rx_client : fg_rx_server;
	dev->tx_pkt_burst = a.role == FG_CLIENT ? fg_tx_client : fg_tx_server;
	rte_eth_dev_probing_finish(dev);
	FG_LOG(INFO, "%s: port %u, pair %s, %s", name, p->port_id, a.pair,
	       a.role == FG_CLIENT ? "client" : "server");
	return 0;
}

static int
fg_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));

	if (dev == NULL)
		return 0;       /* closed already, which released the port */
	fg_dev_close(dev);
	return rte_eth_dev_release_port(dev);
}

/* ---- public API (rte_pmd_flowgen.h) ---- */

int
rte_pmd_flowgen_clock_set(uint16_t port_id, uint64_t tsc)
{
	struct rte_eth_dev *dev;
	struct fg_port *p;

	if (!rte_eth_dev_is_valid_port(port_id))
		return -ENODEV;
	dev = &rte_eth_devices[port_id];
	if (dev->dev_ops != &fg_ops)
		return -ENOTSUP;
	p = dev->data->dev_private;
	p->pair->fake_tsc = tsc;
	p->pair->fake_clock = true;
	return 0;
}

static struct rte_vdev_driver fg_driver = {
	.probe = fg_probe,
	.remove = fg_remove,
};

RTE_PMD_REGISTER_VDEV(net_flowgen, fg_driver);
RTE_PMD_REGISTER_PARAM_STRING(net_flowgen,
	"pair=<name> role=client|server flows=<n> proto=tcp|udp|icmp|mix "
	"mix=<tcp>/<udp>/<icmp> size=<64..1518> new_rate=<conn/s> data=<pkts> "
	"seed=<n> timestamps=0|1 window=<pkts> timeout_ms=<ms> order=rand|seq "
	"pps=<pkts/s> rxq=<n> client_nat=<a.0.0.0> "
	"attack=syn|udp|frag|icmperr|rst|tftp[+...] attack_pps=<pkts/s> "
	"close=fin|rst|idle|mix start_ms=<ms> duration_ms=<ms>");
