/*
 * export.h - streams a job's pages out as JSON Lines or one JSON array.
 *
 * One record per fetched page, the shape DESIGN.md gives (job, url,
 * final_url, status, depth, fetched_at, content_type, bytes, elapsed_ms,
 * title, description, canonical, links, fields, error).  Rows are read
 * from one snapshot and written one at a time: memory stays constant
 * whatever the page count.  Output is valid UTF-8 whatever pages held.
 *
 * Runs in `trawl export`; safe while a crawl is writing the database.
 */
#ifndef TRAWL_EXPORT_H
#define TRAWL_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "store.h"

enum export_format { EXPORT_JSONL, EXPORT_JSON };

/* Parses "jsonl" / "json"; -1 if unknown. */
int export_format_parse(const char *s, enum export_format *f);

/* Writes the pages of JOB to OUT.  PATH, when not NULL, is the final file
 * name: the records go to a temporary file beside it, renamed over PATH
 * only once complete.  Returns the number of records, -1 on error. */
long export_pages(struct store *s, int64_t job, enum export_format fmt,
		  const char *path);

#endif
