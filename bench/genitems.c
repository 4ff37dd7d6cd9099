/*
 * genitems.c - writes a trawl database of N extracted items for the export
 * benchmark (bench/export.sh), through store.h as a crawl would.
 *
 * usage: genitems DB N
 *
 * One job "bench"; pages of a shop (1 to 9 items each, 5 on average, 40
 * links each, 2% answered 404, 1% failed fetches without items); each item
 * has 6 fields of mixed types written by jansson as the extractor writes
 * them (JSON_COMPACT | JSON_PRESERVE_ORDER): a name (some with quotes,
 * accents or CJK), a price (real), a currency, in_stock (bool), a rating
 * (integer or null) and tags (array).  3% of items are invalid: no price,
 * and an error saying so.  Deterministic (fixed seed).  Transactions of
 * ~10,000 items.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

static const char *const words[] = {
	"Classic", "Linen", "Shirt", "Oak", "Table", "Café", "Crème", "\"Pro\"",
	"Backpack", "Lamp", "東京", "Mug", "Steel", "Wool", "Socks", "Ceramic",
	"Vase", "Desk", "Chair", "Blue", "Green", "XL", "Set of 4", "Naïve",
};
#define NWORDS (sizeof words / sizeof words[0])

static const char *const tags[] = {
	"sale", "new", "eco", "home", "garden", "kitchen", "outdoor", "gift",
};

static char *item_fields(long n, bool invalid)
{
	char name[128];
	json_t *o, *t;
	char *text;
	int i, k = 2 + (int)rnd(3);

	name[0] = '\0';
	for (i = 0; i < k; i++) {
		strcat(name, words[rnd(NWORDS)]);
		strcat(name, i + 1 < k ? " " : "");
	}
	o = json_object();
	json_object_set_new(o, "name", json_string(name));
	if (!invalid)
		json_object_set_new(o, "price", json_real((double)(100 + rnd(99900)) / 100));
	json_object_set_new(o, "currency", json_string(rnd(4) ? "EUR" : "USD"));
	json_object_set_new(o, "in_stock", json_boolean(rnd(5) != 0));
	json_object_set_new(o, "rating", rnd(6) ? json_integer(1 + rnd(5)) : json_null());
	t = json_array();
	k = (int)rnd(4);
	for (i = 0; i < k; i++)
		json_array_append_new(t, json_string(tags[rnd(8)]));
	json_object_set_new(o, "tags", t);
	json_object_set_new(o, "sku", json_sprintf("SKU-%06ld", n));
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return text;
}

int main(int argc, char **argv)
{
	struct store *s;
	int64_t job, id;
	bool resumed;
	long want, items = 0, pages = 0, in_tx = 0;
	char url[96], links[40 * 48], title[160];
	int64_t t0 = 1795302000000LL; /* 2026-11-21T23:00:00Z */

	if (argc != 3 || (want = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: genitems DB N\n");
		return 2;
	}
	log_init("genitems", LOG_WARN);
	s = store_open(argv[1], STORE_RW);
	if (!s || store_job_claim(s, "bench", "{}", &job, &resumed) < 0)
		return 1;
	if (resumed) {
		fprintf(stderr, "genitems: %s already has job \"bench\"\n", argv[1]);
		return 1;
	}
	if (store_begin(s) < 0)
		return 1;
	while (items < want) {
		struct page_rec p;
		int k = 1 + (int)rnd(9), i, r = (int)rnd(100);
		size_t len = 0;

		snprintf(url, sizeof url, "https://shop.example.com/p/%ld.html", pages);
		if (store_url_add(s, job, (uint64_t)pages + 1, url, 1 + (int)rnd(4), 0,
				  URL_QUEUED, NULL, &id) != 1)
			return 1;
		for (i = 0; i < 40; i++)
			len += (size_t)snprintf(links + len, sizeof links - len,
						"https://shop.example.com/p/%u.html",
						rnd(1000000)) + 1;
		snprintf(title, sizeof title, "Product %ld — %s %s | Example Shop", pages,
			 words[rnd(NWORDS)], words[rnd(NWORDS)]);
		memset(&p, 0, sizeof p);
		p.url_id = id;
		p.final_url = url;
		p.status = r < 2 ? 404 : 200;
		p.depth = 2;
		p.fetched_at = t0 + pages * 37;
		p.content_type = "text/html; charset=utf-8";
		p.bytes = 20000 + rnd(20000);
		p.elapsed_ms = 5 + rnd(200);
		p.title = title;
		p.description = "Everything for your home, delivered tomorrow.";
		p.links = links;
		p.links_len = len;
		if (r == 2) {
			p.status = 0;
			p.error = "timeout";
			p.title = NULL;
			p.links = NULL;
			p.links_len = 0;
			k = 0;
		} else if (r < 2) {
			k = 0;
		}
		if (store_page_add(s, job, &p, p.error ? URL_FAILED : URL_DONE) != 1)
			return 1;
		pages++;
		for (i = 0; i < k && items < want; i++, items++) {
			bool invalid = rnd(100) < 3;
			struct item_rec it;
			char *fields = item_fields(items, invalid);

			memset(&it, 0, sizeof it);
			it.url_id = id;
			it.extractor = rnd(10) ? "product" : "offer";
			it.fields = fields;
			it.error = invalid ? "required field \"price\" is missing" : NULL;
			if (store_item_add(s, job, &it) < 0)
				return 1;
			free(fields);
			in_tx++;
		}
		if (in_tx >= 10000) {
			if (store_commit(s) < 0 || store_begin(s) < 0)
				return 1;
			in_tx = 0;
		}
	}
	if (store_commit(s) < 0 || store_job_release(s, job, "finished") < 0)
		return 1;
	store_close(s);
	printf("%s: %ld items on %ld pages\n", argv[1], items, pages);
	return 0;
}
