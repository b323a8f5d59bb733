/*
 * counter.c: wrap or reset of a counter step (counter.h).
 */
#include "counter.h"

mvg_counter_step_kind mvg_counter_step(double prev, double cur, double span, double *delta)
{
    /* (cur - prev) + span, in this order: the engine's interval values
     * have always been computed so, and must not move in the last bit */
    double d = cur - prev, wrapped = d + span;
    mvg_counter_step_kind k = MVG_COUNTER_RESET;
    if (cur >= prev)
        k = MVG_COUNTER_FORWARD;
    else if (span > 0.0 && wrapped < span / 4.0)
        k = MVG_COUNTER_WRAP, d = wrapped;
    if (delta)
        *delta = k == MVG_COUNTER_RESET ? 0.0 : d;
    return k;
}
