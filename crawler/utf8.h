/*
 * utf8.h - UTF-8 validation and repair, so that invalid bytes from a page
 * never reach the database or a JSON export.  Pure functions; any process.
 */
#ifndef TRAWL_UTF8_H
#define TRAWL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Copies S (LEN bytes) into a new string with invalid UTF-8 sequences
 * replaced by U+FFFD and NULs dropped.  Caller frees with free(). */
char *utf8_clean(const char *s, size_t len);

/* True if the LEN bytes at S are valid UTF-8 without NULs. */
bool utf8_valid(const char *s, size_t len);

#endif
