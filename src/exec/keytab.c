/*
 * keytab.c — distinct key tuples with dense ids (exec/keytab.h).
 *
 * Open addressing with linear probing over 16-byte slots that carry the
 * key (one fixed-width key) or its 64-bit hash, so a probe touches the
 * stored key bytes only when the hashes agree; the table doubles at half
 * full. Ids are handed out in order of first appearance, which is what
 * makes GROUP BY output and DISTINCT deterministic and lets merging two
 * tables keep the order a single pass would have produced. A table starts
 * with no memory at all: count_distinct keeps one per group.
 */
#include "exec/keytab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec/hash.h"
#include "util/err.h"

int keytab_init(struct keytab *t, const struct ty *types, uint32_t nkeys)
{
    memset(t, 0, sizeof(*t));
    t->types = types;
    t->nkeys = nkeys;
    t->fast = nkeys == 1 && !types[0].nullable && !ty_has_offsets(types[0]) &&
              types[0].kind != TY_NOTHING && ty_width(types[0]) <= 8;
    return 0;
}

void keytab_free(struct keytab *t)
{
    free(t->slots);
    free(t->fkey);
    free(t->off);
    buf_free(&t->bytes);
    buf_free(&t->scratch);
    free(t->dmap);
    buf_free(&t->dmap_dict);
    const struct ty *types = t->types;
    uint32_t nkeys = t->nkeys;
    keytab_init(t, types, nkeys);
}

static void account(struct keytab *t)
{
    t->mem = (t->mask + (t->slots ? 1u : 0u)) * sizeof(struct kt_slot) +
             (size_t)t->cap * sizeof(uint64_t) + t->bytes.cap + t->scratch.cap;
}

static uint64_t slot_hash(const struct keytab *t, uint64_t kh)
{
    return t->fast ? hash_u64(kh) : kh;
}

static int grow_slots(struct keytab *t)
{
    uint32_t nslots = t->slots ? (t->mask + 1) * 2 : 8;
    if (nslots == 0)
        return -E2BIG;
    struct kt_slot *s = calloc(nslots, sizeof(*s));
    if (!s)
        return -ENOMEM;
    uint32_t mask = nslots - 1;
    if (t->slots) {
        for (uint32_t i = 0; i <= t->mask; i++) {
            if (!t->slots[i].id1)
                continue;
            uint32_t x = (uint32_t)slot_hash(t, t->slots[i].kh) & mask;
            while (s[x].id1)
                x = (x + 1) & mask;
            s[x] = t->slots[i];
        }
    }
    free(t->slots);
    t->slots = s;
    t->mask = mask;
    account(t);
    return 0;
}

static int grow_ids(struct keytab *t)
{
    if (t->n == UINT32_MAX - 1)
        return -E2BIG;
    uint32_t cap = t->cap ? t->cap * 2 : 4;
    if (cap < t->cap)
        cap = UINT32_MAX - 1;
    if (t->fast) {
        uint64_t *k = realloc(t->fkey, (size_t)cap * sizeof(*k));
        if (!k)
            return -ENOMEM;
        t->fkey = k;
    } else {
        uint64_t *o = realloc(t->off, ((size_t)cap + 1) * sizeof(*o));
        if (!o)
            return -ENOMEM;
        if (!t->off)
            o[0] = 0;
        t->off = o;
    }
    t->cap = cap;
    account(t);
    return 0;
}

int keytab_reserve(struct keytab *t, uint32_t n)
{
    if (t->slots || n < 8 || n > (1u << 28))
        return 0;
    uint32_t nslots = 16;
    while (nslots < 2 * (n + 1))
        nslots *= 2;
    if (!(t->slots = calloc(nslots, sizeof(*t->slots))))
        return -ENOMEM;
    t->mask = nslots - 1;
    while (t->cap < n) { /* ids: the same doubling, done at once */
        int rc = grow_ids(t);
        if (rc)
            return rc;
    }
    account(t);
    return 0;
}

/* Keep the slots below half full, counting the key about to be looked up. */
static int room(struct keytab *t)
{
    return !t->slots || (t->n + 1) * 2 > t->mask + 1 ? grow_slots(t) : 0;
}

static int find_fast(struct keytab *t, uint64_t key, uint32_t *id, int *added)
{
    int rc = room(t);
    if (rc)
        return rc;
    uint32_t x = (uint32_t)hash_u64(key) & t->mask;
    for (;; x = (x + 1) & t->mask) {
        struct kt_slot *s = &t->slots[x];
        if (!s->id1)
            break;
        if (s->kh == key) {
            *id = s->id1 - 1;
            *added = 0;
            return 0;
        }
    }
    if (t->n >= t->cap && (rc = grow_ids(t)))
        return rc;
    t->slots[x].kh = key;
    t->slots[x].id1 = t->n + 1;
    t->fkey[t->n] = key;
    *id = t->n++;
    *added = 1;
    return 0;
}

static int find_enc(struct keytab *t, const void *p, size_t len, uint32_t *id, int *added)
{
    int rc = room(t);
    if (rc)
        return rc;
    uint64_t h = hash_bytes(p, len);
    uint32_t x = (uint32_t)h & t->mask;
    for (;; x = (x + 1) & t->mask) {
        struct kt_slot *s = &t->slots[x];
        if (!s->id1)
            break;
        if (s->kh != h)
            continue;
        uint32_t i = s->id1 - 1;
        if (t->off[i + 1] - t->off[i] == len && !memcmp(t->bytes.data + t->off[i], p, len)) {
            *id = i;
            *added = 0;
            return 0;
        }
    }
    if (t->n >= t->cap && (rc = grow_ids(t)))
        return rc;
    size_t cap = t->bytes.cap;
    if ((rc = buf_append(&t->bytes, p, len)))
        return rc;
    if (t->bytes.cap != cap)
        account(t);
    t->slots[x].kh = h;
    t->slots[x].id1 = t->n + 1;
    t->off[t->n + 1] = t->bytes.len;
    *id = t->n++;
    *added = 1;
    return 0;
}

static uint64_t fixed_bits(const struct col *c, uint32_t r, size_t w)
{
    uint64_t k = 0;
    memcpy(&k, (const char *)c->data + (size_t)r * w, w);
    return k;
}

/* One value of type ty (row r of c): a NULL byte when nullable, then
 * strings as u32 length and bytes, arrays as u32 count and their elements
 * the same way, other kinds as their bytes. */
static int enc_val(struct buf *b, struct ty ty, const struct col *c, uint32_t r)
{
    int rc;
    if (ty.nullable || ty.kind == TY_NOTHING) {
        uint8_t null = ty.kind == TY_NOTHING || col_is_null(c, r);
        if ((rc = buf_append(b, &null, 1)) || null)
            return rc;
    }
    if (ty.kind == TY_STRING) {
        size_t n;
        const char *s = col_str(c, r, &n);
        uint32_t n32 = (uint32_t)n;
        if (!(rc = buf_append(b, &n32, 4)))
            rc = buf_append(b, s, n);
    } else if (ty.kind == TY_ARRAY) {
        uint32_t lo, hi, cnt;
        col_arr(c, r, &lo, &hi);
        cnt = hi - lo;
        rc = buf_append(b, &cnt, 4);
        for (uint32_t e = lo; e < hi && !rc; e++)
            rc = enc_val(b, ty_elem(ty), c->child, e);
    } else {
        size_t w = ty_width(ty);
        rc = buf_append(b, (const char *)c->data + (size_t)r * w, w);
    }
    return rc;
}

static int encode(struct keytab *t, const struct col *const *cols, uint32_t r)
{
    struct buf *b = &t->scratch;
    int rc = 0;
    b->len = 0;
    for (uint32_t i = 0; i < t->nkeys && !rc; i++)
        rc = enc_val(b, t->types[i], cols[i], r);
    return rc;
}

int keytab_row(struct keytab *t, const struct col *const *cols, uint32_t r, uint32_t *id,
               int *added)
{
    if (t->fast)
        return find_fast(t, fixed_bits(cols[0], r, ty_width(t->types[0])), id, added);
    size_t cap = t->scratch.cap;
    int rc = encode(t, cols, r);
    if (t->scratch.cap != cap)
        account(t);
    return rc ? rc : find_enc(t, t->scratch.data, t->scratch.len, id, added);
}

int keytab_rows(struct keytab *t, const struct col *const *cols, uint32_t nrows, uint32_t *ids)
{
    int added, rc = 0;
    if (t->fast) { /* a run of equal keys (sorted or bucketed times) costs one lookup */
        size_t w = ty_width(t->types[0]);
        uint64_t last = 0;
        uint32_t last_id = UINT32_MAX;
        for (uint32_t r = 0; r < nrows && !rc; r++) {
            uint64_t k = w == 8   ? COL_AT(cols[0], uint64_t, r)
                         : w == 4 ? COL_AT(cols[0], uint32_t, r)
                                  : fixed_bits(cols[0], r, w);
            if (k == last && last_id != UINT32_MAX) {
                ids[r] = last_id;
                continue;
            }
            rc = find_fast(t, k, &ids[r], &added);
            last = k;
            last_id = ids[r];
        }
        return rc;
    }
    const uint16_t *codes = t->nkeys == 1 ? col_dcodes(cols[0]) : NULL;
    if (codes && cols[0]->n == nrows) { /* one lookup per distinct value of the block */
        uint32_t nd = cols[0]->ndict;
        if (nd > t->dmap_cap) {
            uint32_t *m = realloc(t->dmap, nd * sizeof(*m));
            if (!m)
                return -ENOMEM;
            t->dmap = m;
            t->dmap_cap = nd;
        }
        const struct col *kc = cols[0];
        if (kc->dict_len != t->dmap_dict.len || memcmp(kc->dict, t->dmap_dict.data, kc->dict_len)) {
            /* another dictionary: codes mean other values */
            memset(t->dmap, 0xff, nd * sizeof(*t->dmap));
            buf_reset(&t->dmap_dict);
            if ((rc = buf_append(&t->dmap_dict, kc->dict, kc->dict_len)))
                return rc;
        }
        for (uint32_t r = 0; r < nrows && !rc; r++) {
            uint32_t k = codes[r];
            if (k >= nd)
                return ERR_CORRUPT;
            if (t->dmap[k] == UINT32_MAX)
                rc = keytab_row(t, cols, r, &t->dmap[k], &added);
            ids[r] = t->dmap[k];
        }
        return rc;
    }
    for (uint32_t r = 0; r < nrows && !rc; r++)
        rc = keytab_row(t, cols, r, &ids[r], &added);
    return rc;
}

void keytab_key(const struct keytab *t, uint32_t id, const void **p, size_t *len)
{
    if (t->fast) {
        *p = &t->fkey[id];
        *len = 8;
        return;
    }
    *p = t->bytes.data + t->off[id];
    *len = t->off[id + 1] - t->off[id];
}

int keytab_add_key(struct keytab *t, const void *p, size_t len, uint32_t *id, int *added)
{
    if (t->fast) {
        uint64_t k;
        if (len != 8)
            return -EINVAL;
        memcpy(&k, p, 8);
        return find_fast(t, k, id, added);
    }
    return find_enc(t, p, len, id, added);
}

int keytab_merge(struct keytab *t, const struct keytab *src, uint32_t *ids)
{
    const void *p;
    size_t len;
    uint32_t id;
    int added, rc = 0;
    for (uint32_t i = 0; i < src->n && !rc; i++) {
        keytab_key(src, i, &p, &len);
        rc = keytab_add_key(t, p, len, &id, &added);
        if (ids)
            ids[i] = id;
    }
    return rc;
}

/* Decode one value of type ty at p[*at] onto c, or only check it (c NULL). */
static int dec_val(struct ty ty, const unsigned char *p, size_t len, size_t *at, struct col *c)
{
    if (ty.nullable || ty.kind == TY_NOTHING) {
        if (*at + 1 > len || p[*at] > 1)
            return ERR_CORRUPT;
        if (p[(*at)++])
            return c ? col_push_null(c) : 0;
        if (ty.kind == TY_NOTHING)
            return ERR_CORRUPT;
    }
    if (ty.kind == TY_STRING || ty.kind == TY_ARRAY) {
        uint32_t n;
        if (len - *at < 4)
            return ERR_CORRUPT;
        memcpy(&n, p + *at, 4);
        *at += 4;
        if (ty.kind == TY_ARRAY) {
            int rc = c ? col_reserve(c, c->n + 1) : 0;
            for (uint32_t e = 0; e < n && !rc; e++)
                rc = dec_val(ty_elem(ty), p, len, at, c ? c->child : NULL);
            return rc ? rc : c ? col_arr_end(c) : 0;
        }
        if (len - *at < n)
            return ERR_CORRUPT;
        int rc = c ? col_push_str(c, (const char *)p + *at, n) : 0;
        *at += n;
        return rc;
    }
    size_t w = ty_width(ty);
    if (len - *at < w)
        return ERR_CORRUPT;
    int rc = c ? col_push_fixed(c, p + *at) : 0;
    *at += w;
    return rc;
}

/* Decode one encoded tuple onto cols (emit), or only check it (cols NULL). */
static int decode(const struct keytab *t, const unsigned char *p, size_t len,
                  struct col *const *cols)
{
    size_t at = 0;
    int rc = 0;
    for (uint32_t i = 0; i < t->nkeys && !rc; i++)
        rc = dec_val(t->types[i], p, len, &at, cols ? cols[i] : NULL);
    return rc ? rc : at == len ? 0 : ERR_CORRUPT;
}

int keytab_emit(const struct keytab *t, uint32_t from, uint32_t to, struct col *const *cols)
{
    int rc = 0;
    for (uint32_t i = 0; i < t->nkeys && !rc; i++)
        rc = col_reserve(cols[i], cols[i]->n + (to - from));
    for (uint32_t id = from; id < to && !rc; id++) {
        if (t->fast) {
            rc = col_push_fixed(cols[0], &t->fkey[id]); /* little-endian: the low bytes */
            continue;
        }
        rc = decode(t, (const unsigned char *)t->bytes.data + t->off[id],
                    t->off[id + 1] - t->off[id], cols);
    }
    return rc;
}

int keytab_save(const struct keytab *t, struct buf *out)
{
    int rc = buf_append(out, &t->n, 4);
    for (uint32_t id = 0; id < t->n && !rc; id++) {
        const void *p;
        size_t len;
        keytab_key(t, id, &p, &len);
        uint32_t n32 = (uint32_t)len;
        if (!(rc = buf_append(out, &n32, 4)))
            rc = buf_append(out, p, len);
    }
    return rc;
}

int keytab_load(struct keytab *t, const void *p, size_t n, size_t *used)
{
    const unsigned char *s = p;
    uint32_t count, len, id;
    size_t at = 4;
    int added, rc;
    if (n < 4)
        return ERR_CORRUPT;
    memcpy(&count, s, 4);
    for (uint32_t k = 0; k < count; k++) {
        if (n - at < 4)
            return ERR_CORRUPT;
        memcpy(&len, s + at, 4);
        at += 4;
        if (n - at < len || (t->fast ? len != 8 : decode(t, s + at, len, NULL) != 0))
            return ERR_CORRUPT;
        if (t->fast && ty_width(t->types[0]) < 8) {
            uint64_t k64;
            memcpy(&k64, s + at, 8);
            if (k64 >> (8 * ty_width(t->types[0])))
                return ERR_CORRUPT; /* bits a key of this width never has */
        }
        if ((rc = keytab_add_key(t, s + at, len, &id, &added)))
            return rc;
        at += len;
    }
    *used = at;
    return 0;
}
