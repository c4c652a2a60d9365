/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A main() for the fuzz targets without libFuzzer: every file named on the
 * command line, or found in a directory named there (sorted), is read and
 * passed once to LLVMFuzzerTestOneInput. A crash, an abort or a sanitizer
 * report fails the run; so does finding no input at all.
 * usage: replay_NAME CORPUS_DIR_OR_FILE...
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* A target that needs no set-up defines no LLVMFuzzerInitialize. */
__attribute__((weak)) int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static unsigned replayed;

static int
one_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	do {
		if (len == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	fclose(f);
	/* an exact-size copy, so a read past the input is past the heap block */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (exact == NULL) {
			free(buf);
			return -1;
		}
		memcpy(exact, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	replayed++;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
one_path(const char *path)
{
	struct stat st;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;
	DIR *d;
	int rc = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return one_file(path);
	d = opendir(path);
	if (d == NULL) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char **nn;

		if (de->d_name[0] == '.')
			continue;
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (nn == NULL)
			break;
		names = nn;
		names[n] = malloc(strlen(path) + strlen(de->d_name) + 2);
		if (names[n] == NULL)
			break;
		sprintf(names[n], "%s/%s", path, de->d_name);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) &&
		    one_file(names[i]) != 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	int i, rc = 0;

	if (LLVMFuzzerInitialize(&argc, &argv) != 0)
		return 2;
	for (i = 1; i < argc; i++)
		if (one_path(argv[i]) != 0)
			rc = 1;
	printf("replayed %u inputs\n", replayed);
	return rc != 0 || replayed == 0;
}
