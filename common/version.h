/*
 * version.h - the release, as --version prints it.
 *
 * The one place it is written is the file VERSION at the top of the
 * tree; the Makefile passes it as -DP2PS_VERSION=<it> (unquoted, so it
 * also fits a compilation database) and this header makes it a string.
 */
#ifndef VERSION_H
#define VERSION_H

#ifndef P2PS_VERSION
#error "P2PS_VERSION comes from the Makefile, which reads the file VERSION"
#endif

#define VERSION_STR_(v)	#v
#define VERSION_STR(v)	VERSION_STR_(v)
#define VERSION_TEXT	VERSION_STR(P2PS_VERSION)

#endif
