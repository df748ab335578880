/*
 * replay.c - main() for fuzz harnesses built without libFuzzer.
 *
 * make test links each tests/fuzz/fuzz_<name>.c with this file (the
 * build/asan/tests/fuzz/replay_% rule) and runs the result over
 * tests/fuzz/corpus/<name>, so every input the fuzzer ever kept is checked
 * again under ASan and UBSan on every test run, with no clang needed.
 *
 *	replay_fuzz_<name> PATH...
 *
 * A PATH is a file, or a directory whose regular files are run in name
 * order (not recursively; names starting with '.' are skipped).  Each
 * input is read into an allocation of exactly its size and handed to
 * LLVMFuzzerTestOneInput(); its path is printed on standard error first,
 * so that a sanitizer report names the input that caused it.  The count
 * of inputs run is printed at the end.
 *
 * Exit status 0, or 1 when a path is missing or unreadable or a directory
 * holds no input: a lost corpus must not pass silently.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *prog = "replay";

/* Run one file.  1 if it ran, 0 if it was not a regular file, -1 on error. */
static int
run_file(const char *path)
{
	static uint8_t empty[1];
	struct stat st;
	uint8_t *data;
	size_t size, got = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	size = (size_t)st.st_size;
	data = size > 0 ? malloc(size) : empty;
	if (data == NULL) {
		fprintf(stderr, "%s: %s: out of memory\n", prog, path);
		close(fd);
		return -1;
	}
	while (got < size) {
		r = read(fd, data + got, size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, path,
			    r == 0 ? "file shrank while read" : strerror(errno));
			close(fd);
			if (data != empty)
				free(data);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);

	fprintf(stderr, "%s: running %s (%zu bytes)\n", prog, path, size);
	LLVMFuzzerTestOneInput(data, size);
	if (data != empty)
		free(data);
	return 1;
}

static int
visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Run every regular file in dir.  Number run, or -1 on error. */
static long
run_dir(const char *dir)
{
	struct dirent **names;
	char *path;
	long ran = 0;
	int i, n, rc, bad = 0;

	if ((n = scandir(dir, &names, visible, alphasort)) == -1) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (asprintf(&path, "%s/%s", dir, names[i]->d_name) == -1) {
			fprintf(stderr, "%s: out of memory\n", prog);
			bad = 1;
		} else {
			if ((rc = run_file(path)) == -1)
				bad = 1;
			else
				ran += rc;
			free(path);
		}
		free(names[i]);
	}
	free(names);
	if (bad)
		return -1;
	if (ran == 0) {
		fprintf(stderr, "%s: %s: no inputs (lost corpus?)\n", prog, dir);
		return -1;
	}
	return ran;
}

int
main(int argc, char **argv)
{
	struct stat st;
	long total = 0, ran;
	int i, bad = 0;

	if (argc > 0 && argv[0] != NULL) {
		const char *slash = strrchr(argv[0], '/');

		prog = slash ? slash + 1 : argv[0];
	}
	if (argc < 2) {
		fprintf(stderr, "usage: %s file-or-directory...\n", prog);
		return 1;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "%s: %s: %s\n", prog, argv[i],
			    strerror(errno));
			bad = 1;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			ran = run_dir(argv[i]);
		} else {
			ran = run_file(argv[i]);
			if (ran == 0) {
				fprintf(stderr, "%s: %s: not a regular file\n",
				    prog, argv[i]);
				ran = -1;
			}
		}
		if (ran == -1)
			bad = 1;
		else
			total += ran;
	}
	printf("%s: %ld inputs ran\n", prog, total);
	return bad ? 1 : 0;
}
