/*
 * model_json.h: a fitted mvg_model as a JSON object and back (jansson).
 * The object is what `mvgate fit --json` prints and `mvgate savings --model`
 * reads: model, x, coefficients, std_errors, t_stats, change_points, n, p,
 * r2, adj_r2, rmse, cv_rmse, nmbe, rho, ashrae14 {pass, reasons}, plus nx,
 * ybar, sse, coverage and seg_n so that the model reloads whole. Numbers
 * that are not finite (an exact fit's t statistics) are written as null.
 */
#ifndef MVG_MODEL_JSON_H
#define MVG_MODEL_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "model.h"
#include "towt.h"

#define MVG_MODEL_XNAME_MAX 128

/* New reference, or NULL when out of memory. xnames: m->nx column names
 * (NULL gives x1, x2, ...). */
json_t *mvg_model_to_json(const mvg_model *m, const char *const *xnames);

/*
 * Validates every field of j and fills *m and xnames[0..m->nx-1] (may be
 * NULL). Returns 0, or -1 with err naming the key and what is wrong.
 */
int mvg_model_from_json(const json_t *j, mvg_model *m, char (*xnames)[MVG_MODEL_XNAME_MAX],
                        char *err, size_t errlen);

/*
 * A TOWT model as `mvgate fit --model towt --json` writes it: its
 * statistics (as above, x[0] the temperature and the others its extra
 * columns; p counts the bins with rows) and, under "towt", its tables
 * (step_ms, utc_offset_min, per bin "alpha" (null: no rows) and
 * "occupied", and the two modes). Returns 0 and *out (mvg_towt_free it),
 * or -1 with err naming the key.
 */
int mvg_model_towt_from_json(const json_t *j, mvg_model *m,
                             char (*xnames)[MVG_MODEL_XNAME_MAX], mvg_towt **out, char *err,
                             size_t errlen);

#endif
