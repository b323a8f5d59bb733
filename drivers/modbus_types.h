/*
 * modbus_types.h: the Modbus vocabulary shared by the drivers, the config
 * loader and the daemon: register areas, value types, byte orders, point
 * kinds and exception codes. The sample and its quality flag, which travel
 * beyond the drivers into the engine, are base/sample.h. Plain values only,
 * no state.
 */
#ifndef MVG_MODBUS_TYPES_H
#define MVG_MODBUS_TYPES_H

#include <stdint.h>

#include "sample.h"

typedef enum {
    MVG_AREA_COIL,     /* function 1, bits */
    MVG_AREA_DISCRETE, /* function 2, bits */
    MVG_AREA_INPUT,    /* function 4, 16-bit registers */
    MVG_AREA_HOLDING   /* function 3, 16-bit registers */
} mvg_area;

typedef enum {
    MVG_TYPE_BOOL,
    MVG_TYPE_INT16,
    MVG_TYPE_UINT16,
    MVG_TYPE_INT32,
    MVG_TYPE_UINT32,
    MVG_TYPE_INT64,
    MVG_TYPE_UINT64,
    MVG_TYPE_FLOAT32,
    MVG_TYPE_FLOAT64,
    MVG_TYPE_STRING /* text in `count` registers, two characters each (point.h) */
} mvg_type;

/*
 * The letters name the bytes of the big-endian value in the order they
 * arrive on the wire (register by register, high byte first). AB/BA apply to
 * 16-bit types, the 4-letter forms to 32-bit types, the 8-letter forms to
 * 64-bit types.
 */
typedef enum {
    MVG_ORDER_AB,
    MVG_ORDER_BA,
    MVG_ORDER_ABCD,
    MVG_ORDER_CDAB,
    MVG_ORDER_BADC,
    MVG_ORDER_DCBA,
    MVG_ORDER_ABCDEFGH,
    MVG_ORDER_GHEFCDAB,
    MVG_ORDER_BADCFEHG,
    MVG_ORDER_HGFEDCBA
} mvg_order;

typedef enum { MVG_KIND_GAUGE, MVG_KIND_COUNTER } mvg_kind;

/* Lower-case names as they appear in config files and JSON output.
 * The parse functions return 0 on success, -1 for an unknown name. */
const char *mvg_area_name(mvg_area a);
const char *mvg_type_name(mvg_type t);
const char *mvg_order_name(mvg_order o);
const char *mvg_kind_name(mvg_kind k);
int mvg_order_parse(const char *s, mvg_order *out);

/* The same names as NULL-terminated lists in enum order, for the config
 * key tables' choices (config_keys.c). */
extern const char *const mvg_area_names[];
extern const char *const mvg_type_names[];
extern const char *const mvg_kind_names[];

/* Width of a type in 16-bit registers (bool: 1; in bit areas a bool is one bit;
 * a string: 1, the register its order applies to; a string point's width is
 * its count, mvg_point_width in point.h). */
unsigned mvg_type_registers(mvg_type t);
/* Width in bytes of the wire value (bool 2, int16 2, int32 4, ...; string 2,
 * one register). */
unsigned mvg_type_bytes(mvg_type t);
/* The order a point of this type gets when the config names none. */
mvg_order mvg_type_default_order(mvg_type t);
/* 1 when the order fits the type's width (AB/BA for 16-bit, ...). */
int mvg_order_fits_type(mvg_order o, mvg_type t);
/* 1 for int64 and uint64: the types whose values a double cannot all hold,
 * which samples carry exactly besides (sample.h). */
int mvg_type_is_int64(mvg_type t);
/* 1 for coil and discrete inputs. */
int mvg_area_is_bits(mvg_area a);

/* Modbus exception codes: the one home of their meanings. */
enum { MVG_EXC_GATEWAY_PATH = 10, MVG_EXC_GATEWAY_TARGET = 11 };
/* The code's meaning as the protocol specification names it, lower case
 * ("gateway target device failed to respond"). */
const char *mvg_exception_name(unsigned code);
/* 1 for 10 and 11: a gateway answered that the device behind it could not
 * be reached. That is no answer from the device: a communication failure,
 * not a refusal. */
int mvg_exception_is_comm(unsigned code);

#endif
