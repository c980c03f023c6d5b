/*
 * kv_mt.c — the memtable of a mutable stream (store/kv.h): an
 * open-addressing hash of encoded key -> newest encoded value (or a
 * delete). Upserts of one key collapse here, so LevelDB is written once
 * per key per flush however often the key changed; an INSERT statement
 * uses one of its own the same way before its rows reach the log.
 *
 * Keys and values live in one allocation per entry, grown in place when a
 * newer value is longer, so a hot key costs no allocation per upsert. A
 * slot is one cache line holding the key's first bytes too, so finding a
 * key (short keys: the common case) reads only its slot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/kv.h"

#define INLINE_KEY 35 /* a slot is one 64-byte cache line */

struct ent {
    uint64_t hash;
    uint8_t *mem;          /* key bytes then value bytes; NULL: empty slot */
    uint32_t key_len, val_len, cap;
    uint8_t del;
    uint8_t ikey[INLINE_KEY]; /* the key's first bytes: a put compares here, in the
                                 slot's own cache line, before touching mem */
};

struct kv_mt {
    struct ent *slots;
    size_t cap;            /* a power of two */
    size_t n;
    size_t bytes;
};

int kv_mt_create(struct kv_mt **out)
{
    struct kv_mt *m = calloc(1, sizeof *m);
    if (!m)
        return -ENOMEM;
    *out = m;
    return 0;
}

void kv_mt_clear(struct kv_mt *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        free(m->slots[i].mem);
        m->slots[i].mem = NULL;
    }
    m->n = 0;
    m->bytes = m->cap * sizeof(struct ent);
}

void kv_mt_destroy(struct kv_mt *m)
{
    if (!m)
        return;
    kv_mt_clear(m);
    free(m->slots);
    free(m);
}

static int grow(struct kv_mt *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 1024;
    struct ent *ns = aligned_alloc(64, ncap * sizeof *ns);
    if (!ns)
        return -ENOMEM;
    memset(ns, 0, ncap * sizeof *ns);
    for (size_t i = 0; i < m->cap; i++) {
        struct ent *e = &m->slots[i];
        if (!e->mem)
            continue;
        size_t j = e->hash & (ncap - 1);
        while (ns[j].mem)
            j = (j + 1) & (ncap - 1);
        ns[j] = *e;
    }
    m->bytes += (ncap - m->cap) * sizeof *ns;
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return 0;
}

int kv_mt_put(struct kv_mt *m, const uint8_t *key, size_t key_len, uint64_t hash,
              const uint8_t *val, size_t val_len, int del)
{
    int rc;
    if (key_len > UINT32_MAX / 2 || val_len > UINT32_MAX / 2)
        return -E2BIG;
    if ((m->n + 1) * 4 > m->cap * 3 && (rc = grow(m)))
        return rc;
    size_t j = hash & (m->cap - 1);
    struct ent *e;
    for (;;) {
        e = &m->slots[j];
        if (!e->mem)
            break;
        if (e->hash == hash && e->key_len == key_len &&
            !memcmp(e->ikey, key, key_len < INLINE_KEY ? key_len : INLINE_KEY) &&
            (key_len <= INLINE_KEY ||
             !memcmp(e->mem + INLINE_KEY, key + INLINE_KEY, key_len - INLINE_KEY)))
            break;
        j = (j + 1) & (m->cap - 1);
    }
    size_t need = key_len + val_len;
    if (!e->mem || e->cap < need) {
        size_t cap = need + need / 4 + 8;
        uint8_t *mem = realloc(e->mem, cap);
        if (!mem)
            return -ENOMEM;
        if (!e->mem) {
            memcpy(mem, key, key_len);
            memcpy(e->ikey, key, key_len < INLINE_KEY ? key_len : INLINE_KEY);
            e->hash = hash;
            e->key_len = (uint32_t)key_len;
            m->n++;
            m->bytes += cap;
        } else {
            m->bytes += cap - e->cap;
        }
        e->mem = mem;
        e->cap = (uint32_t)cap;
    }
    if (val_len)
        memcpy(e->mem + key_len, val, val_len);
    e->val_len = (uint32_t)val_len;
    e->del = (uint8_t)(del != 0);
    return 0;
}

void kv_mt_prefetch(const struct kv_mt *m, uint64_t hash, int stage)
{
    if (!m->cap)
        return;
    const struct ent *e = &m->slots[hash & (m->cap - 1)];
    if (stage == 0)
        __builtin_prefetch(e);
    else if (e->mem)
        __builtin_prefetch(e->mem);
}

size_t kv_mt_count(const struct kv_mt *m)
{
    return m->n;
}

size_t kv_mt_bytes(const struct kv_mt *m)
{
    return m->bytes;
}

int kv_mt_next(const struct kv_mt *m, size_t *pos, const uint8_t **key, size_t *key_len,
               const uint8_t **val, size_t *val_len, int *del)
{
    for (size_t i = *pos; i < m->cap; i++) {
        const struct ent *e = &m->slots[i];
        if (!e->mem)
            continue;
        *key = e->mem;
        *key_len = e->key_len;
        *val = e->mem + e->key_len;
        *val_len = e->val_len;
        *del = e->del;
        *pos = i + 1;
        return 0;
    }
    *pos = m->cap;
    return -ENOENT;
}
