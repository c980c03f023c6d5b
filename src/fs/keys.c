/*
 * keys.c — MNT/m/keys/: a mutable stream's rows as files (SPEC "keys",
 * rule 11). One directory level per primary-key column and one file per
 * row: reading a file gives the row as a JSON line, writing one upserts
 * it (the key comes from the path), rm deletes it, mkdir -p then `>`
 * makes a new key, and ls on a directory lists the next key column's
 * values under that prefix in key order, streamed from the key table.
 *
 * Inodes. Keys are arbitrary, so key inodes cannot be derived from a
 * catalog id the way stream files are: each looked-up key node is kept in
 * a table (its stream, depth and encoded key prefix) until the kernel
 * forgets it. Its number is FS_KINO_BASE | a hash of (stream, prefix),
 * probing on a collision, so the same key usually gets the same number
 * across remounts and readdir's d_ino matches lookup's. The keys/
 * directory itself is fs_ino(stream, FS_KEYS_KIND).
 *
 * A directory made with mkdir for a new prefix is kept (pinned in the
 * table) until the mount ends or a row is written under it (rule 11).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "exec/mutable.h"
#include "internal.h"

#define NBUCKETS 4096

struct knode {
    uint64_t ino;
    uint32_t sid;
    uint32_t depth;            /* key columns in key */
    uint8_t *key;
    size_t len;
    uint64_t nlookup;
    int made;                  /* mkdir'd, no row under it yet */
    int open;                  /* open for writing (a file being created) */
    struct knode *next_ino, *next_key;
};

static pthread_mutex_t kmu = PTHREAD_MUTEX_INITIALIZER; /* guards the tables and nodes */
static struct knode *by_ino[NBUCKETS], *by_key[NBUCKETS];

static uint64_t key_hash(uint32_t sid, const uint8_t *k, size_t n)
{
    uint64_t h = kv_hash(k, n) ^ ((uint64_t)sid * 0x9E3779B97F4A7C15ull);
    return h ^ (h >> 31);
}

static uint64_t ino_of_hash(uint64_t h)
{
    return FS_KINO_BASE | (h & (FS_QINO_BASE - 1)); /* never the query bit */
}

static struct knode *find_ino(uint64_t ino)
{
    for (struct knode *n = by_ino[ino % NBUCKETS]; n; n = n->next_ino)
        if (n->ino == ino)
            return n;
    return NULL;
}

static struct knode *find_key(uint32_t sid, const uint8_t *k, size_t len)
{
    for (struct knode *n = by_key[key_hash(sid, k, len) % NBUCKETS]; n; n = n->next_key)
        if (n->sid == sid && n->len == len && (!len || !memcmp(n->key, k, len)))
            return n;
    return NULL;
}

/* The node of (sid, key), made when missing; under kmu. */
static struct knode *get_node(uint32_t sid, uint32_t depth, const uint8_t *k, size_t len)
{
    struct knode *n = find_key(sid, k, len);
    if (n)
        return n;
    if (!(n = calloc(1, sizeof *n)) || !(n->key = malloc(len ? len : 1))) {
        free(n);
        return NULL;
    }
    if (len)
        memcpy(n->key, k, len);
    n->len = len;
    n->sid = sid;
    n->depth = depth;
    uint64_t h = key_hash(sid, k, len);
    n->ino = ino_of_hash(h);
    while (find_ino(n->ino) || n->ino == FS_KINO_BASE) /* probe past a collision */
        n->ino = ino_of_hash(++h);
    n->next_ino = by_ino[n->ino % NBUCKETS];
    by_ino[n->ino % NBUCKETS] = n;
    n->next_key = by_key[key_hash(sid, k, len) % NBUCKETS];
    by_key[key_hash(sid, k, len) % NBUCKETS] = n;
    return n;
}

/* Free n once nothing refers to it; under kmu. */
static void maybe_free(struct knode *n)
{
    if (n->nlookup || n->made || n->open)
        return;
    struct knode **pp = &by_ino[n->ino % NBUCKETS];
    while (*pp != n)
        pp = &(*pp)->next_ino;
    *pp = n->next_ino;
    pp = &by_key[key_hash(n->sid, n->key, n->len) % NBUCKETS];
    while (*pp != n)
        pp = &(*pp)->next_key;
    *pp = n->next_key;
    free(n->key);
    free(n);
}

int fs_k_is(fuse_ino_t ino)
{
    return (ino & FS_KINO_BASE) || (!fs_ino_is_query(ino) && (ino & 0xff) == FS_KEYS_KIND);
}

/* Where ino is: its stream (a reference), depth and key prefix (copied). */
static int resolve(struct engine *e, fuse_ino_t ino, struct eng_stream **s, uint32_t *depth,
                   struct buf *key)
{
    uint32_t sid;
    int rc;
    if (!(ino & FS_KINO_BASE)) {
        sid = fs_ino_stream(ino);
        *depth = 0;
    } else {
        pthread_mutex_lock(&kmu);
        struct knode *n = find_ino(ino);
        rc = n ? buf_append(key, n->key, n->len) : -ENOENT;
        if (n) {
            sid = n->sid;
            *depth = n->depth;
        }
        pthread_mutex_unlock(&kmu);
        if (rc)
            return rc;
    }
    if ((rc = eng_stream_get_id(e, sid, s)))
        return rc;
    if (!(*s)->kv) {
        eng_stream_put(*s);
        return -ENOENT;
    }
    return 0;
}

/* Whether the node (depth, key) exists now: a row, a prefix of rows, a
 * made directory or a file being written. */
static int exists(struct eng_stream *s, uint32_t depth, const uint8_t *k, size_t len, int *yes)
{
    pthread_mutex_lock(&kmu);
    struct knode *n = find_key(s->id, k, len);
    *yes = n && (n->made || n->open);
    pthread_mutex_unlock(&kmu);
    if (*yes || depth == 0)
        return (*yes = 1, 0);
    if (depth < s->schema->nkey)
        return mut_prefix_exists(s, k, len, yes);
    struct buf row = BUF_INIT;
    int rc = kv_get(s->kv, k, len, 0, yes, &row);
    buf_free(&row);
    return rc;
}

int fs_k_stat(struct engine *e, fuse_ino_t ino, struct stat *st, double *timeout)
{
    struct eng_stream *s;
    struct buf key = BUF_INIT, row = BUF_INIT;
    uint32_t depth;
    int rc = resolve(e, ino, &s, &depth, &key), yes = 0;
    if (rc)
        goto out_nos;
    *timeout = 0; /* rows change under us */
    pthread_mutex_lock(&s->mu);
    fs_set_times(st, s->mtime_ns);
    pthread_mutex_unlock(&s->mu);
    if (depth < s->schema->nkey) {
        if (!(rc = exists(s, depth, (const uint8_t *)key.data, key.len, &yes)) && !yes)
            rc = -ENOENT;
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
    } else {
        rc = mut_row_json(s, (const uint8_t *)key.data, key.len, &row, &yes);
        if (!rc && !yes && !(rc = exists(s, depth, (const uint8_t *)key.data, key.len, &yes)) &&
            !yes)
            rc = -ENOENT;
        st->st_mode = S_IFREG | 0644;
        st->st_nlink = 1;
        st->st_size = (off_t)row.len;
        st->st_blocks = (blkcnt_t)((row.len + 511) / 512);
    }
    st->st_ino = ino;
    eng_stream_put(s);
out_nos:
    buf_free(&key);
    buf_free(&row);
    return rc;
}

/* The child (parent, name): its stream (a reference), depth and key. */
static int child(struct engine *e, fuse_ino_t parent, const char *name, struct eng_stream **s,
                 uint32_t *depth, struct buf *key)
{
    int rc = resolve(e, parent, s, depth, key);
    if (rc)
        return rc;
    if (*depth >= (*s)->schema->nkey)
        rc = -ENOTDIR;
    else if (name[0] == '.' || strlen(name) > MUT_NAME_MAX) /* '.' is escaped: %2E */
        rc = -ENOENT;
    else if (mut_key_parse(*s, *depth, name, key))
        rc = -ENOENT;
    if (rc) {
        eng_stream_put(*s);
        return rc;
    }
    (*depth)++;
    return 0;
}

/* Reply with the entry of node (s, depth, key), counting the lookup. */
static void reply_node(fuse_req_t req, struct engine *e, struct eng_stream *s, uint32_t depth,
                       const struct buf *key, int made, int open)
{
    struct fuse_entry_param ep;
    memset(&ep, 0, sizeof ep);
    pthread_mutex_lock(&kmu);
    struct knode *n = get_node(s->id, depth, (const uint8_t *)key->data, key->len);
    if (n) {
        n->nlookup++;
        n->made |= made;
        n->open += open;
        ep.ino = n->ino;
    }
    pthread_mutex_unlock(&kmu);
    if (!n) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    int rc = fs_k_stat(e, ep.ino, &ep.attr, &ep.attr_timeout);
    if (rc) {
        fs_k_forget(ep.ino, 1);
        fuse_reply_err(req, -rc);
        return;
    }
    ep.generation = 1;
    ep.entry_timeout = 0;
    if (fuse_reply_entry(req, &ep))
        fs_k_forget(ep.ino, 1);
}

void fs_k_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct engine *e = fuse_req_userdata(req);
    struct eng_stream *s;
    struct buf key = BUF_INIT;
    uint32_t depth;
    int yes = 0, rc = child(e, parent, name, &s, &depth, &key);
    if (!rc) {
        rc = exists(s, depth, (const uint8_t *)key.data, key.len, &yes);
        if (!rc && yes)
            reply_node(req, e, s, depth, &key, 0, 0);
        eng_stream_put(s);
    }
    if (rc || !yes)
        fuse_reply_err(req, rc ? err_to_errno(rc) : ENOENT);
    buf_free(&key);
}

void fs_k_forget(fuse_ino_t ino, uint64_t nlookup)
{
    pthread_mutex_lock(&kmu);
    struct knode *n = find_ino(ino);
    if (n) {
        n->nlookup = nlookup > n->nlookup ? 0 : n->nlookup - nlookup;
        maybe_free(n);
    }
    pthread_mutex_unlock(&kmu);
}

/* ---- readdir ---- */

struct lister {
    fuse_req_t req;
    char *buf;
    size_t size, used;
    uint32_t sid, depth, nkey;
    int full;
    uint64_t last_n;           /* the last entry added, and its component key */
    struct buf last;
};

static int add_entry(void *arg, const char *name, const uint8_t *key, size_t len, uint64_t n)
{
    struct lister *l = arg;
    mode_t mode = l->depth + 1 < l->nkey ? S_IFDIR : S_IFREG;
    fuse_ino_t ino = ino_of_hash(key_hash(l->sid, key, len));
    if (!fs_add_dirent(l->req, l->buf, l->size, &l->used, name, ino, mode, (off_t)(2 + n))) {
        l->full = 1;
    } else {
        l->last_n = n;
        l->last.len = 0;
        if (buf_append(&l->last, key, len))
            l->last_n = 0; /* no hint then: the next call counts from the start */
    }
    return l->full;
}

/*
 * Where the last listing of a directory stopped, so that `ls` of a large
 * one reads each row once: the next readdir (at that cookie) seeks past
 * the key instead of counting entries from the start. A few directories
 * are remembered at a time; any other offset counts from the start.
 */
#define NHINTS 16
static struct hint {
    fuse_ino_t ino;
    uint64_t n;                /* entries listed; the cookie is 2 + n */
    struct buf key;            /* the component key of entry n */
} hints[NHINTS];               /* under kmu */
static unsigned next_hint;

/* The hint for (ino, off) copied into key; its n, or 0 when none. */
static uint64_t hint_get(fuse_ino_t ino, off_t off, struct buf *key)
{
    uint64_t n = 0;
    pthread_mutex_lock(&kmu);
    for (int i = 0; i < NHINTS; i++)
        if (hints[i].ino == ino && off > 2 && (uint64_t)off == 2 + hints[i].n &&
            !buf_append(key, hints[i].key.data, hints[i].key.len)) {
            n = hints[i].n;
            break;
        }
    pthread_mutex_unlock(&kmu);
    return n;
}

static void hint_put(fuse_ino_t ino, uint64_t n, const struct buf *key)
{
    pthread_mutex_lock(&kmu);
    struct hint *h = NULL;
    for (int i = 0; i < NHINTS && !h; i++)
        if (hints[i].ino == ino)
            h = &hints[i];
    if (!h)
        h = &hints[next_hint++ % NHINTS];
    h->ino = ino;
    h->n = n;
    h->key.len = 0;
    if (buf_append(&h->key, key->data, key->len))
        h->ino = 0;
    pthread_mutex_unlock(&kmu);
}

#define MADE_COOKIE (1ull << 62) /* made directories come after the rows */

void fs_k_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off)
{
    struct engine *e = fuse_req_userdata(req);
    struct eng_stream *s;
    struct buf key = BUF_INIT, name = BUF_INIT;
    uint32_t depth;
    int rc = resolve(e, ino, &s, &depth, &key);
    struct lister l = {req, malloc(size), size, 0, 0, depth, 0, 0, 0, BUF_INIT};
    if (rc || !l.buf) {
        if (!rc)
            eng_stream_put(s);
        fuse_reply_err(req, rc ? err_to_errno(rc) : ENOMEM);
        goto out;
    }
    if (depth >= s->schema->nkey) {
        eng_stream_put(s);
        fuse_reply_err(req, ENOTDIR);
        goto out;
    }
    l.sid = s->id;
    l.nkey = s->schema->nkey;
    fuse_ino_t up = depth == 0 ? fs_ino(s->id, FS_STREAM_DIR) : ino; /* '..' as the kernel sees it */
    const struct fs_dirent fixed[] = {{".", ino, S_IFDIR}, {"..", up, S_IFDIR}};
    int more = fs_add_fixed(req, l.buf, size, &l.used, off, fixed, 2);
    if (more && (uint64_t)off < MADE_COOKIE) {
        struct buf resume = BUF_INIT;
        uint64_t after = off > 2 ? (uint64_t)off - 2 : 0;
        if (after && hint_get(ino, off, &resume) != after)
            resume.len = 0;
        rc = mut_list(s, (const uint8_t *)key.data, key.len, depth,
                      (const uint8_t *)resume.data, resume.len, after, add_entry, &l);
        if (!rc && l.last_n)
            hint_put(ino, l.last_n, &l.last);
        buf_free(&resume);
    }
    /* made directories with no rows under them yet */
    uint64_t i = 0;
    pthread_mutex_lock(&kmu);
    for (int b = 0; b < NBUCKETS && !rc && !l.full; b++)
        for (struct knode *n = by_ino[b]; n && !l.full; n = n->next_ino) {
            if (!n->made || n->sid != s->id || n->depth != depth + 1 || n->len < key.len ||
                (key.len && memcmp(n->key, key.data, key.len)))
                continue;
            i++;
            if (MADE_COOKIE + i <= (uint64_t)off)
                continue;
            const uint8_t *p = n->key + key.len;
            name.len = 0;
            if (mut_key_render(s, depth, &p, n->key + n->len, &name) || buf_putc(&name, 0))
                continue;
            l.full = !fs_add_dirent(req, l.buf, size, &l.used, name.data, n->ino, S_IFDIR,
                                    (off_t)(MADE_COOKIE + i));
        }
    pthread_mutex_unlock(&kmu);
    eng_stream_put(s);
    if (rc)
        fuse_reply_err(req, err_to_errno(rc));
    else
        fuse_reply_buf(req, l.buf, l.used);
out:
    free(l.buf);
    buf_free(&l.last);
    buf_free(&key);
    buf_free(&name);
}

/* ---- changes ---- */

/* A row was written under key: made directories above it are rows' now. */
static void unpin(uint32_t sid, const uint8_t *k, size_t len)
{
    pthread_mutex_lock(&kmu);
    for (int b = 0; b < NBUCKETS; b++)
        for (struct knode *n = by_ino[b], *next; n; n = next) {
            next = n->next_ino;
            if (n->made && n->sid == sid && n->len <= len &&
                (!n->len || !memcmp(n->key, k, n->len))) {
                n->made = 0;
                maybe_free(n);
            }
        }
    pthread_mutex_unlock(&kmu);
}

enum change { CH_MKDIR, CH_RMDIR, CH_UNLINK };

/* mkdir: a new prefix directory (pinned until a row is written under it);
 * rmdir: only such a directory, while empty; unlink: delete the row. */
static void change(fuse_req_t req, fuse_ino_t parent, const char *name, enum change op)
{
    struct engine *e = fuse_req_userdata(req);
    struct eng_stream *s;
    struct buf key = BUF_INIT;
    uint32_t depth;
    int yes = 0, rc = child(e, parent, name, &s, &depth, &key);
    const uint8_t *k = (const uint8_t *)key.data;
    if (rc == -ENOENT && op == CH_MKDIR && name[0] != '.')
        rc = -EINVAL; /* not a value of this key column */
    if (rc) {
        fuse_reply_err(req, err_to_errno(rc));
        goto out;
    }
    int leaf = depth >= s->schema->nkey;
    switch (op) {
    case CH_MKDIR:
        if (leaf)
            rc = -EPERM; /* the last key column names files */
        else if (!(rc = exists(s, depth, k, key.len, &yes)) && yes)
            rc = -EEXIST;
        if (!rc) {
            reply_node(req, e, s, depth, &key, 1, 0);
            goto done;
        }
        break;
    case CH_RMDIR:
        if (leaf)
            rc = -ENOTDIR;
        else if (!(rc = mut_prefix_exists(s, k, key.len, &yes)) && yes)
            rc = -ENOTEMPTY;
        if (!rc) {
            pthread_mutex_lock(&kmu);
            struct knode *n = find_key(s->id, k, key.len);
            if (n && n->made) {
                n->made = 0;
                maybe_free(n);
            } else {
                rc = -ENOENT;
            }
            pthread_mutex_unlock(&kmu);
        }
        break;
    case CH_UNLINK: rc = leaf ? mut_delete(s, k, key.len) : -EISDIR; break;
    }
    fuse_reply_err(req, err_to_errno(rc));
done:
    eng_stream_put(s);
out:
    buf_free(&key);
}

void fs_k_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    change(req, parent, name, CH_MKDIR);
}

void fs_k_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    change(req, parent, name, CH_RMDIR);
}

void fs_k_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    change(req, parent, name, CH_UNLINK);
}

/* ---- files ---- */

int fs_k_open(struct engine *e, fuse_ino_t ino, struct fuse_file_info *fi, struct handle *h)
{
    uint32_t depth;
    int found = 0, rc = resolve(e, ino, &h->s, &depth, &h->kkey);
    if (rc)
        return rc;
    h->kind = KIND_KEY;
    if (depth < h->s->schema->nkey)
        return -EISDIR;
    if ((fi->flags & O_ACCMODE) == O_RDONLY) {
        rc = mut_row_json(h->s, (const uint8_t *)h->kkey.data, h->kkey.len, &h->text, &found);
        return rc ? rc : found ? 0 : -ENOENT;
    }
    pthread_mutex_lock(&kmu);
    struct knode *n = find_ino(ino);
    if (n)
        n->open++;
    h->kino = n ? ino : 0;
    pthread_mutex_unlock(&kmu);
    return 0;
}

/* Upsert each complete line in h->kw (all of it when final). */
static int apply_lines(struct handle *h, int final)
{
    char why[256];
    size_t start = 0;
    int rc = 0;
    for (size_t i = 0; i <= h->kw.len && !rc; i++) {
        int end = i == h->kw.len ? final : h->kw.data[i] == '\n';
        if (!end)
            continue;
        const char *line = h->kw.data + start;
        size_t n = i - start;
        start = i + 1;
        while (n && (*line == ' ' || *line == '\t' || *line == '\r'))
            line++, n--;
        if (!n)
            continue;
        rc = mut_put_json(h->s, (const uint8_t *)h->kkey.data, h->kkey.len, line, n, why,
                          sizeof why);
        if (rc == ERR_MALFORMED)
            eng_stream_reject(h->s, 1, why, line, n);
        if (!rc)
            unpin(h->s->id, (const uint8_t *)h->kkey.data, h->kkey.len);
    }
    if (start >= h->kw.len || rc) {
        h->kw.len = 0;
    } else {
        memmove(h->kw.data, h->kw.data + start, h->kw.len - start);
        h->kw.len -= start;
    }
    return rc == ERR_MALFORMED ? -EINVAL : rc;
}

int fs_k_write(struct handle *h, const char *p, size_t n)
{
    pthread_mutex_lock(&h->mu);
    int rc = buf_append(&h->kw, p, n);
    if (!rc)
        rc = apply_lines(h, 0);
    pthread_mutex_unlock(&h->mu);
    return rc;
}

int fs_k_flush(struct handle *h)
{
    pthread_mutex_lock(&h->mu);
    int rc = h->kw.len ? apply_lines(h, 1) : 0;
    pthread_mutex_unlock(&h->mu);
    return rc;
}

void fs_k_close(struct handle *h)
{
    if (h->kino) {
        pthread_mutex_lock(&kmu);
        struct knode *n = find_ino(h->kino);
        if (n && n->open) {
            n->open--;
            maybe_free(n);
        }
        pthread_mutex_unlock(&kmu);
    }
    buf_free(&h->kkey);
    buf_free(&h->kw);
}

void fs_k_create(fuse_req_t req, fuse_ino_t parent, const char *name, struct fuse_file_info *fi,
                 struct handle *h)
{
    struct engine *e = fuse_req_userdata(req);
    struct fuse_entry_param ep;
    uint32_t depth;
    int rc = child(e, parent, name, &h->s, &depth, &h->kkey);
    memset(&ep, 0, sizeof ep);
    if (rc == -ENOENT && name[0] != '.')
        rc = -EINVAL;
    if (!rc && depth < h->s->schema->nkey)
        rc = -EPERM; /* directories come from mkdir */
    struct knode *n = NULL;
    if (!rc) {
        h->kind = KIND_KEY;
        pthread_mutex_lock(&kmu);
        n = get_node(h->s->id, depth, (const uint8_t *)h->kkey.data, h->kkey.len);
        if (n) {
            n->nlookup++;
            n->open++;
            h->kino = n->ino;
        }
        pthread_mutex_unlock(&kmu);
        rc = n ? fs_k_stat(e, h->kino, &ep.attr, &ep.attr_timeout) : -ENOMEM;
    }
    if (rc) {
        if (n)
            fs_k_forget(h->kino, 1);
        fs_handle_free(h);
        fuse_reply_err(req, err_to_errno(rc));
        return;
    }
    ep.ino = h->kino;
    ep.generation = 1;
    fi->fh = (uint64_t)(uintptr_t)h;
    fi->direct_io = 1;
    if (fuse_reply_create(req, &ep, fi)) {
        fs_k_forget(h->kino, 1);
        fs_handle_free(h);
    }
}
