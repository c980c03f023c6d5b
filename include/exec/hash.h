/*
 * hash.h — the hash functions of the execution layer's hash tables
 * (GROUP BY keys, DISTINCT rows, distinct-value sets, top_k counts).
 *
 * hash_u64 finishes a 64-bit value (murmur3's fmix64: every input bit
 * moves every output bit), so integer keys that differ only in high bits
 * still spread over a power-of-two table. hash_bytes mixes 8 bytes at a
 * time through the same finisher. Neither is meant to resist an attacker;
 * tables probe linearly and grow at half full.
 */
#ifndef SFS_EXEC_HASH_H
#define SFS_EXEC_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static inline uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)n * 0xc2b2ae3d27d4eb4fULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ hash_u64(w)) * 0x9e3779b97f4a7c15ULL;
        h = (h << 31) | (h >> 33);
        s += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, s, n);
        h = (h ^ hash_u64(w ^ ((uint64_t)n << 56))) * 0x9e3779b97f4a7c15ULL;
    }
    return hash_u64(h);
}

#endif
