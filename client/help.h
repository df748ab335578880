/*
 * help.h - the long help of the shell's commands, for "help <command>".
 *
 * Pure data: what a command does, what it prints and its errors, as
 * lines ending in a newline.  Only commands.c reads it.
 */
#ifndef HELP_H
#define HELP_H

/* The text for a command (its name in any case), or NULL. */
const char	*help_text(const char *name);

#endif
