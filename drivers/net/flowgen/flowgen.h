/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_flowgen internals: a pair of virtual ports that play client and server
 * of many stateful connections around whatever forwards between them.
 *
 * The loop a packet takes, and which part of the state each stage owns:
 *
 *   client rx_burst  (C.rx)  builds client->server packets   owns fg_cli[]
 *   server tx_burst  (S.tx)  checks them, asks for replies   owns chk[] of S
 *   server rx_burst  (S.rx)  builds the replies               owns fg_srv[]
 *   client tx_burst  (C.tx)  checks replies, advances flows  owns chk[] of C
 *
 * A checking stage talks to the building stage of its own port through an
 * SP/SC rte_ring of small events (struct fg_ev), never through shared flow
 * state, so rx and tx of a port, and the two ports, may run on any lcores
 * as long as each queue has one lcore at a time (the ethdev rule). Replies
 * exist only for what the forwarder let through, as with real endpoints.
 */
#ifndef FLOWGEN_H
#define FLOWGEN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#define FG_DRIVER_NAME net_flowgen
#define FG_MAX_FLOWS (16u * 1000 * 1000)   /* client addresses 10.0.0.1 + slot */
#define FG_MAX_TXQ 16
#define FG_MIN_FRAME 60                    /* without FCS */
#define FG_FCS 4
#define FG_TCP_SPORT_BASE 1024
#define FG_TCP_DPORT 80
#define FG_UDP_DPORT 5001
#define FG_TCP_WIN 65535
#define FG_OPEN_CAP 256                    /* most connections a late burst may catch up */
#define FG_EV_DRAIN 512                    /* events applied per client rx_burst at most */
#define FG_TSHIFT 16                       /* coarse clock for timeouts: tsc >> 16 */
#define FG_SWEEP 8                         /* slots checked for a timeout per client rx_burst */
#define FG_PACE_BACKLOG 1024               /* pps: packets that may wait to be polled */
#define FG_HIST_SUB 16                     /* linear sub-buckets per power of two */
#define FG_HIST_BUCKETS (64 * FG_HIST_SUB)
#define FG_CLIENT_NET 0x0a000001u          /* 10.0.0.1: slot 0's client */
#define FG_SERVER_NET 0xac100000u          /* 172.16.0.0 */
#define FG_ATTACK_TOS 0x20                 /* IPv4 TOS of attack packets (CS1, "scavenger") */

enum fg_role { FG_CLIENT, FG_SERVER };
enum fg_proto { FG_TCP, FG_UDP, FG_ICMP, FG_NPROTO };

/* Attack traffic the client sends beside its connections (attack=), one
 * bit each in fg_conf.attack; names in flowgen.c. */
#define FG_ATTACKS(X) \
	X(SYN, "syn")          /* TCP SYNs from random sources and ports */ \
	X(UDP, "udp")          /* UDP datagrams from random sources and ports */ \
	X(FRAG, "frag")        /* IPv4 first fragments never completed */ \
	X(ICMPERR, "icmperr")  /* ICMP errors quoting random tuples */ \
	X(RST, "rst")          /* TCP RST/ACKs of connections nobody has */ \
	X(TFTP, "tftp")        /* TFTP read requests from random sources */
enum fg_attack {
#define FG_ATK_ENUM(e, s) FG_ATK_ ## e,
	FG_ATTACKS(FG_ATK_ENUM)
#undef FG_ATK_ENUM
	FG_NATTACK
};

/* How a TCP connection with data=N ends once its data is acknowledged. */
enum fg_close {
	FG_CLOSE_FIN,   /* FIN handshake (default) */
	FG_CLOSE_RST,   /* the client resets it */
	FG_CLOSE_IDLE,  /* the client forgets it: the forwarder's entry idles out */
	FG_CLOSE_MIX,   /* a third of each, by connection */
};

/* Traffic configuration of a pair (both ports see the same). */
struct fg_conf {
	uint32_t flows;          /* connection slots, all open at once when new_rate=0 */
	uint8_t mix[FG_NPROTO];  /* percent per protocol, sums to 100 */
	uint16_t size;           /* data frame size with FCS, 64..1518 */
	uint64_t new_rate;       /* connections per second, 0 = open all slots */
	uint32_t data;           /* data packets per connection, 0 = never close */
	uint64_t seed;
	uint8_t timestamps;
	uint16_t window;         /* data packets in flight per flow */
	uint32_t timeout_ms;     /* client gives up a connection silent this long, 0 = never */
	uint8_t order;           /* FG_ORDER_*: which ready flow the client sends next */
	uint64_t pps;            /* client packets per second at most, 0 = as fast as polled */
	uint32_t client_nat;     /* host order: the /8 the server sees the clients
				  * in (a forwarder's NETMAP), 0 = 10.0.0.0/8 */
	uint8_t attack;          /* bit per enum fg_attack, 0 = none */
	uint8_t close;           /* enum fg_close */
	uint64_t attack_pps;     /* attack packets per second, 0 = the rest of each burst */
	uint32_t start_ms;       /* client: silent this long after its first poll */
	uint32_t duration_ms;    /* client: then sends this long, 0 = for ever */
};

/* Order in which the client serves its flows that have something to send. */
enum fg_order {
	FG_ORDER_RAND,  /* a uniformly random one each packet (default) */
	FG_ORDER_SEQ,   /* first ready, first served: the order they were opened */
};

/* Event from a checking stage to the building stage of the same port. */
enum fg_ev_kind {
	FG_EV_SYN = 1,  /* S: reply SYN/ACK          C: SYN/ACK arrived, ACK it
			 * (UDP/ICMP, S: first request of a connection) */
	FG_EV_DATA,     /* S: reply response data    C: response arrived */
	FG_EV_FIN,      /* S: reply FIN/ACK          C: FIN/ACK arrived, ACK it and close */
};

struct fg_ev {
	uint32_t slot;
	uint32_t ack;    /* TCP: ack the builder puts in its reply / rcv_nxt for the client */
	uint64_t ts;     /* timestamp to echo (server), 0 if none */
	uint32_t num;    /* TCP (client): peer's ack; UDP/ICMP: request number */
	uint16_t cport;  /* client port (ICMP id) of the connection */
	uint8_t kind;
	uint8_t proto;
};

/* Client connection state, owned by C.rx. */
enum fg_cli_state { FG_C_FREE, FG_C_SYN_SENT, FG_C_EST, FG_C_FIN_SENT };
enum fg_cli_pend { FG_P_NONE, FG_P_ACK_HS, FG_P_ACK_FIN };

struct fg_cli {
	uint32_t snd_nxt;   /* TCP seq / next request number */
	uint32_t snd_una;   /* TCP highest ack / next response number expected back */
	uint32_t rcv_nxt;   /* TCP ack to send */
	uint32_t sent;      /* data packets sent in this connection */
	uint32_t last;      /* time of the last sign of life, in FG_TSHIFT units */
	uint16_t cport;
	uint8_t state;
	uint8_t pend;
	uint8_t queued;
	uint8_t proto;
	uint16_t pad;
};

/* Server sending state, owned by S.rx. */
struct fg_srv {
	uint32_t snd_nxt;
};

/* Checker state of one slot, owned by the tx stage of its port. */
enum fg_chk_state { FG_K_CLOSED, FG_K_SYN, FG_K_EST, FG_K_FIN };

struct fg_chk {
	uint32_t nxt;       /* next sequence / request number expected */
	uint16_t cport;
	uint8_t state;
	uint8_t pad;
};

/* A power-of-two FIFO of slot numbers, private to one stage. */
struct fg_fifo {
	uint32_t *v;
	uint32_t mask, head, tail;
};

/* Counters written by the rx (building) stage. */
struct fg_rx_stats {
	uint64_t pkts, bytes;
	uint64_t opened, closed;        /* client */
	uint64_t open_skipped;          /* rate asked for a connection, no slot free */
	uint64_t timeouts;              /* client: connections given up (no reply in time) */
	uint64_t alloc_failed;
	uint64_t pace_skipped;          /* client, pps: packets due that were not sent */
	uint64_t attack, attack_bytes;  /* client: attack packets sent */
} __rte_cache_aligned;

/* Counters written by the tx (checking) stage. */
struct fg_tx_stats {
	uint64_t pkts, bytes;
	uint64_t opened, established, closed;   /* as this side saw them */
	uint64_t gap, late;                     /* packets missing in a sequence, arriving late */
	uint64_t bad_cksum, unknown_flow, malformed;
	uint64_t ev_overflow;
	uint64_t attack_rx;                     /* attack packets (or answers to
						 * their sources) that came back */
	uint64_t lat_n, lat_max;
	uint64_t hist[FG_HIST_BUCKETS];
} __rte_cache_aligned;

struct fg_pair;

struct fg_port {
	/* read-only once started */
	struct fg_pair *pair;
	uint16_t port_id;
	uint8_t role;
	struct fg_conf conf;
	struct rte_ether_addr mac, peer_mac;
	uint64_t rx_ol_flags;
	uint8_t *proto_of;              /* protocol of each slot */
	uint8_t *payload;               /* payload pattern */
	uint16_t plen[FG_NPROTO];       /* payload bytes of a data packet */
	uint16_t vlen[FG_NPROTO];       /* variable bytes at the payload's start */
	uint32_t psum[FG_NPROTO];       /* sum of the pattern after them */
	uint32_t tcp_win_bytes;         /* window in bytes */
	struct rte_ring *ev;            /* tx stage -> rx stage of this port */
	struct rte_mempool *pool;
	bool ready;                     /* tables allocated */
	uint16_t nb_txq;
	uint16_t rxq;                   /* the RX queue that carries the traffic (devarg rxq) */

	/* rx stage */
	struct {
		struct fg_cli *cli;             /* client */
		struct fg_srv *srv;             /* server */
		struct fg_fifo ready, free;     /* client: slots with data to send, free slots */
		struct fg_fifo urgent;          /* client: slots owing a handshake/FIN ACK */
		uint64_t last_tsc, budget;      /* client rate control */
		uint64_t active;                /* client: open connections */
		uint32_t sweep;                 /* client: next slot to check for a timeout */
		uint32_t timeout;               /* client: in FG_TSHIFT units, 0 = never */
		uint64_t rng;                   /* client: state of the order=rand draw */
		double pace_t0, pace_int;       /* client, pps: start and cycles per packet */
		uint64_t pace_k;                /* client, pps: packets due so far, sent or skipped */
		uint64_t t0;                    /* client: tsc of its first poll, 0 = none yet */
		uint64_t start_tsc, stop_tsc;   /* client: traffic from, until (0 = for ever) */
		uint64_t atk_rng;               /* client: attack draws */
		uint64_t atk_last, atk_budget;  /* client: attack_pps rate control */
		uint8_t atk_next;               /* client: next kind, round robin */
		bool clock_started;
		struct fg_rx_stats st;
	} __rte_cache_aligned rx;

	/* tx stage */
	struct {
		struct fg_chk *chk;
		struct fg_tx_stats st;
	} __rte_cache_aligned tx;
};

struct fg_pair {
	char name[32];
	unsigned refcnt;
	unsigned set;                   /* bit per devarg given by some port */
	bool frozen;                    /* a port started: conf may not change */
	struct fg_conf conf;
	struct fg_port *port[2];        /* by role */
	volatile bool fake_clock;
	volatile uint64_t fake_tsc;
};

/* splitmix64's mixer: scatters seeds, slots and draws */
static inline uint64_t
fg_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* splitmix64: one add and a mix per draw */
static inline uint64_t
fg_rand(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ULL;
	return fg_mix64(*state);
}

/* The server address of a slot (host order). */
static inline uint32_t
fg_srv_ip(uint32_t slot)
{
	return FG_SERVER_NET | (1 + slot % 4000);
}

/* flowgen_attack.c */
/* Attack packets into pkts[0..room) of the client's burst at tsc now;
 * returns how many. */
uint16_t fg_attack_build(struct fg_port *p, struct rte_mbuf **pkts, uint16_t room,
			 uint64_t now);
/* An attack packet, or an answer to an attack source, seen by a checker. */
bool fg_attack_seen(const struct fg_port *p, const struct rte_mbuf *m);

/* flowgen_rxtx.c */
uint16_t fg_rx_client(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t fg_rx_server(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t fg_tx_client(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t fg_tx_server(void *q, struct rte_mbuf **pkts, uint16_t n);
int fg_tables_init(struct fg_port *p, int socket);
void fg_tables_free(struct fg_port *p);
void fg_hist_pct(const struct fg_tx_stats *st, const double *pct, uint64_t *out_cycles,
		 unsigned n);

#endif
