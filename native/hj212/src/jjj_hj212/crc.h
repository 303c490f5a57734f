/* jjj_hj212._native, the CRC (sliced by 8) and the ASCII check.
 * Part of the one translation unit _native.c (included there once, after its globals), so
 * that the compiler inlines across the topics; not a public header. */
#ifndef JJJ_HJ212_CRC_H
#define JJJ_HJ212_CRC_H

static uint16_t STEP[256];

/* The CRC's register after a byte b is STEP[(register >> 8) ^ b]: only its high byte carries
 * on, through H(v) = STEP[v] >> 8, which is linear over GF(2) (shifts and XORs of a constant).
 * So 8 bytes fold into 8 independent look-ups (slicing-by-8) instead of a chain of 8:
 * h' = H^8(h ^ b1) ^ H^7(b2) ^ ... ^ H(b8), with SLICE[k] = H^(k+1). */
static uint8_t SLICE[8][256];

/* The register after the bytes s[0:n] (the CRC), and in *last the index of its last step. */
static unsigned int
crc_register(const unsigned char *s, Py_ssize_t n, unsigned int *last)
{
    if (n == 0) {
        *last = 0;
        return 0xFFFF;
    }
    unsigned int h = 0xFF;
    Py_ssize_t i = 0, m = n - 1; /* the bytes before the last feed the high byte */
    for (; i + 8 <= m; i += 8)
        h = SLICE[7][h ^ s[i]] ^ SLICE[6][s[i + 1]] ^ SLICE[5][s[i + 2]] ^ SLICE[4][s[i + 3]] ^
            SLICE[3][s[i + 4]] ^ SLICE[2][s[i + 5]] ^ SLICE[1][s[i + 6]] ^ SLICE[0][s[i + 7]];
    for (; i < m; i++)
        h = SLICE[0][h ^ s[i]];
    *last = h ^ s[m];
    return STEP[*last];
}

/* Whether s[0:n] is ASCII, 8 bytes at a time. */
static int
all_ascii(const char *s, Py_ssize_t n)
{
    uint64_t high = 0, word;
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&word, s + i, 8);
        high |= word;
    }
    for (; i < n; i++)
        high |= (unsigned char)s[i];
    return (high & 0x8080808080808080ULL) == 0;
}


#endif /* JJJ_HJ212_CRC_H */
