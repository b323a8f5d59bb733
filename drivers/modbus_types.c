/*
 * modbus_types.c: names and widths of the shared Modbus vocabulary.
 */
#include "modbus_types.h"

#include <string.h>

const char *const mvg_area_names[] = {"coil", "discrete", "input", "holding", NULL};
const char *const mvg_type_names[] = {"bool",   "int16",  "uint16",  "int32",  "uint32",
                                      "int64",  "uint64", "float32", "float64", "string",
                                      NULL};
static const char *const order_names[] = {"AB",       "BA",       "ABCD",     "CDAB",     "BADC",
                                          "DCBA",     "ABCDEFGH", "GHEFCDAB", "BADCFEHG", "HGFEDCBA"};
const char *const mvg_kind_names[] = {"gauge", "counter", NULL};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define NAMED(a) (COUNT(a) - 1) /* the public lists end with NULL */

static const char *name_of(const char *const *names, unsigned n, unsigned i)
{
    return i < n ? names[i] : "?";
}

static int parse_in(const char *const *names, unsigned n, const char *s, unsigned *out)
{
    if (!s)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        if (strcmp(names[i], s) == 0) {
            *out = i;
            return 0;
        }
    }
    return -1;
}

/* The Modbus Application Protocol v1.1b3, section 7 */
static const char *const exception_names[] = {
    NULL,
    "illegal function",
    "illegal data address",
    "illegal data value",
    "server device failure",
    "acknowledge",
    "server device busy",
    "negative acknowledge",
    "memory parity error",
    NULL,
    "gateway path unavailable",
    "gateway target device failed to respond",
};

const char *mvg_exception_name(unsigned code)
{
    const char *n = code < COUNT(exception_names) ? exception_names[code] : NULL;
    return n ? n : "not a Modbus exception code";
}

int mvg_exception_is_comm(unsigned code)
{
    return code == MVG_EXC_GATEWAY_PATH || code == MVG_EXC_GATEWAY_TARGET;
}

const char *mvg_area_name(mvg_area a)
{
    return name_of(mvg_area_names, NAMED(mvg_area_names), (unsigned)a);
}
const char *mvg_type_name(mvg_type t)
{
    return name_of(mvg_type_names, NAMED(mvg_type_names), (unsigned)t);
}
const char *mvg_order_name(mvg_order o) { return name_of(order_names, COUNT(order_names), (unsigned)o); }
const char *mvg_kind_name(mvg_kind k)
{
    return name_of(mvg_kind_names, NAMED(mvg_kind_names), (unsigned)k);
}

#define DEFINE_PARSE(fn, T, names)                                                                 \
    int fn(const char *s, T *out)                                                                  \
    {                                                                                              \
        unsigned i;                                                                                \
        if (parse_in(names, COUNT(names), s, &i) != 0)                                             \
            return -1;                                                                             \
        *out = (T)i;                                                                               \
        return 0;                                                                                  \
    }

DEFINE_PARSE(mvg_order_parse, mvg_order, order_names)

unsigned mvg_type_bytes(mvg_type t)
{
    switch (t) {
    case MVG_TYPE_BOOL:
    case MVG_TYPE_INT16:
    case MVG_TYPE_UINT16:
    case MVG_TYPE_STRING:
        return 2;
    case MVG_TYPE_INT32:
    case MVG_TYPE_UINT32:
    case MVG_TYPE_FLOAT32:
        return 4;
    case MVG_TYPE_INT64:
    case MVG_TYPE_UINT64:
    case MVG_TYPE_FLOAT64:
        return 8;
    }
    return 2;
}

unsigned mvg_type_registers(mvg_type t) { return mvg_type_bytes(t) / 2; }

mvg_order mvg_type_default_order(mvg_type t)
{
    switch (mvg_type_bytes(t)) {
    case 4:
        return MVG_ORDER_ABCD;
    case 8:
        return MVG_ORDER_ABCDEFGH;
    default:
        return MVG_ORDER_AB;
    }
}

int mvg_order_fits_type(mvg_order o, mvg_type t)
{
    unsigned want = mvg_type_bytes(t);
    unsigned have = (unsigned)strlen(mvg_order_name(o));
    return want == have;
}

int mvg_type_is_int64(mvg_type t) { return t == MVG_TYPE_INT64 || t == MVG_TYPE_UINT64; }

int mvg_area_is_bits(mvg_area a) { return a == MVG_AREA_COIL || a == MVG_AREA_DISCRETE; }
