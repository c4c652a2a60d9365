/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LOG lines against the kernel's own. log/kernel.pcap holds every IPv4 and
 * IPv6 frame a Linux bridge forwarded while an iptables / ip6tables LOG
 * rule saw them (kernel 6.18, br_netfilter), twice: first with
 * --log-tcp-sequence --log-tcp-options --log-ip-options (ip6tables:
 * --log-ip-options), then with no option; log/kernel.txt holds the lines
 * the kernel wrote (PHYSIN/PHYSOUT, which only a bridge prints, removed).
 * Each frame, formatted by rules_log_format() with one of the two flag
 * sets, must give one of those lines exactly, and every line must be
 * accounted for.
 *
 * usage: test_rules_log DIR   (DIR holds log/)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "test.h"

#define MAX_LINES 256
#define MAX_LINE 1024

static char lines[MAX_LINES][MAX_LINE];
static int used[MAX_LINES];
static unsigned n_lines;

static void
load_lines(const char *path)
{
	FILE *f = fopen(path, "r");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	while (n_lines < MAX_LINES && fgets(lines[n_lines], MAX_LINE, f)) {
		lines[n_lines][strcspn(lines[n_lines], "\n")] = '\0';
		n_lines++;
	}
	fclose(f);
}

/* The line this frame gives under either flag set, marked used. */
static int
match(const uint8_t *frame, uint32_t len, char *got, size_t gotlen)
{
	bool v6 = frame[12] == 0x86 && frame[13] == 0xdd;
	const char *prefix = v6 ? "K6: " : "K4: ";
	const uint8_t flagsets[2] = {
		0, v6 ? RULES_LOG_IP_OPT :
		RULES_LOG_TCP_SEQ | RULES_LOG_TCP_OPT | RULES_LOG_IP_OPT };
	unsigned s, i;

	for (s = 0; s < 2; s++) {
		rules_log_format(got, gotlen, prefix, flagsets[s], "br0", "br0", frame, len);
		for (i = 0; i < n_lines; i++)
			if (!used[i] && strcmp(lines[i], got) == 0) {
				used[i] = 1;
				return 1;
			}
	}
	return 0;
}

static void
test_kernel_lines(const char *dir)
{
	char path[512], got[MAX_LINE];
	uint8_t hdr[24], rec[16], *frame;
	unsigned frames = 0, matched = 0, i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/log/kernel.txt", dir);
	load_lines(path);
	CHECK(n_lines >= 60);
	snprintf(path, sizeof(path), "%s/log/kernel.pcap", dir);
	f = fopen(path, "rb");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(fread(hdr, 1, 24, f) == 24);
	frame = malloc(65536);
	while (fread(rec, 1, 16, f) == 16) {
		uint32_t caplen = (uint32_t)rec[8] | (uint32_t)rec[9] << 8 |
				  (uint32_t)rec[10] << 16 | (uint32_t)rec[11] << 24;

		if (caplen > 65536 || fread(frame, 1, caplen, f) != caplen)
			break;
		frames++;
		if (match(frame, caplen, got, sizeof(got))) {
			matched++;
		} else {
			fprintf(stderr, "frame %u gives no kernel line:\n  %s\n", frames, got);
			CHECK(0);
		}
	}
	free(frame);
	fclose(f);
	printf("%u frames, %u matched a kernel line, %u kernel lines\n", frames,
	       matched, n_lines);
	CHECK(frames >= 60);
	CHECK_EQ(matched, frames);
	/* kernel lines no frame produced: only neighbour discovery the
	 * capture started too late for */
	for (i = 0; i < n_lines; i++)
		if (!used[i] && !strstr(lines[i], "TYPE=135 ") && !strstr(lines[i], "TYPE=136 ")) {
			fprintf(stderr, "kernel line with no frame: %s\n", lines[i]);
			CHECK(0);
		}
}

/* Cut frames print INCOMPLETE and never read past the end. */
static void
test_truncated(void)
{
	static const uint8_t syn[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,
		0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		0x9c, 0x41, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x20, 0, 0, 0, 0, 0 };
	char got[MAX_LINE];
	uint32_t len;

	for (len = 0; len <= sizeof(syn); len++) {
		uint8_t *copy = malloc(len ? len : 1);

		memcpy(copy, syn, len);
		rules_log_format(got, sizeof(got), "P ", 0, "eth0", "eth1", copy, len);
		free(copy);
		CHECK(strncmp(got, "P IN=eth0 OUT=eth1 ", 19) == 0);
		if (len == sizeof(syn))
			CHECK(strstr(got, "SPT=40001 DPT=80 WINDOW=8192 RES=0x00 SYN URGP=0 ") != NULL);
		else if (len >= 34)
			CHECK(strstr(got, "PROTO=TCP INCOMPLETE [") != NULL);
	}
	/* a short buffer is cut, still terminated */
	CHECK(rules_log_format(got, 10, "PREFIX ", 0, "eth0", "eth1", syn, sizeof(syn)) == 9);
	CHECK(strlen(got) == 9);
}

int
main(int argc, char **argv)
{
	test_kernel_lines(argc > 1 ? argv[1] : ".");
	test_truncated();
	TEST_MAIN_END();
}
