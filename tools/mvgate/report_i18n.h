/*
 * report_i18n.h: every word of `mvgate report` that a reader sees (labels,
 * headings, legends, table headers, verdicts) in English and in Traditional
 * Chinese as used in Hong Kong. Both languages sit side by side in one
 * table (report_i18n.c), so a label cannot exist in one language only; a
 * unit test walks the table. Numbers, units and symbols (R², CV(RMSE),
 * NMBE, kWh) are not translated and are not here.
 */
#ifndef MVG_REPORT_I18N_H
#define MVG_REPORT_I18N_H

#include <stddef.h>

typedef enum { MVG_LANG_EN, MVG_LANG_ZH_HANT } mvg_lang;

/* "en" or "zh-Hant" (the html lang attribute); parse accepts those. */
const char *mvg_lang_tag(mvg_lang l);
int mvg_lang_parse(const char *s, mvg_lang *out);

typedef enum {
    MVG_T_TITLE,
    MVG_T_GENERATED,
    MVG_T_WINDOW,
    MVG_T_WHOLE_RECORD,
    MVG_T_TIMES_UTC,
    MVG_T_SEC_SUMMARY,
    MVG_T_SEC_PROJECT,
    MVG_T_SEC_PERIODS,
    MVG_T_SEC_MODEL,
    MVG_T_SEC_BASELINE,
    MVG_T_SEC_REPORTING,
    MVG_T_SEC_SAVINGS,
    MVG_T_SEC_COVERAGE,
    MVG_T_SEC_CHAIN,
    MVG_T_SEC_METHOD,
    MVG_T_GATEWAY,
    MVG_T_SITE,
    MVG_T_PROJECT,
    MVG_T_TECHNOLOGY,
    MVG_T_INTERVAL_LEN,
    MVG_T_MINUTES,
    MVG_T_CONFIG_FILE,
    MVG_T_METERS,
    MVG_T_DEVICE,
    MVG_T_BUS,
    MVG_T_UNIT_ID,
    MVG_T_PROFILE,
    MVG_T_POINT,
    MVG_T_UNIT,
    MVG_T_KIND,
    MVG_T_ROLE,
    MVG_T_ROLE_ACTUAL,
    MVG_T_ROLE_DRIVER,
    MVG_T_COUNTER,
    MVG_T_GAUGE,
    MVG_T_DERIVED,
    MVG_T_STREAMS,
    MVG_T_STREAM,
    MVG_T_TYPE,
    MVG_T_DRIVERS,
    MVG_T_CO2_FACTOR,
    MVG_T_TARIFF,
    MVG_T_PHASE,
    MVG_T_CONFIGURED,
    MVG_T_SEEN,
    MVG_T_RECORDS,
    MVG_T_START,
    MVG_T_END,
    MVG_T_OPEN_END,
    MVG_T_PHASE_BASELINE,
    MVG_T_PHASE_INSTALLATION,
    MVG_T_PHASE_REPORTING,
    MVG_T_PHASE_OTHER,
    MVG_T_NO_MODEL,
    MVG_T_INLET_BASELINE,
    MVG_T_FIT_FAILED,
    MVG_T_MODEL_VERSION,
    MVG_T_FITTED_AT,
    MVG_T_GIVEN_MODEL,
    MVG_T_FORM,
    MVG_T_COEFFICIENT,
    MVG_T_ESTIMATE,
    MVG_T_STD_ERROR,
    MVG_T_T_STAT,
    MVG_T_CHANGE_POINT,
    MVG_T_FIT_STATS,
    MVG_T_N_POINTS,
    MVG_T_N_PARAMS,
    MVG_T_AUTOCORR,
    MVG_T_ADJ_R2,
    MVG_T_VERDICT,
    MVG_T_PASS,
    MVG_T_FAIL,
    MVG_T_REASONS,
    MVG_T_THRESHOLDS,
    MVG_T_ACTUAL,
    MVG_T_PREDICTION,
    MVG_T_FITTED_CURVE,
    MVG_T_ADJ_BASELINE,
    MVG_T_AVOIDED,
    MVG_T_ADJUSTMENT,
    MVG_T_SAVINGS,
    MVG_T_CUM_SAVINGS,
    MVG_T_UNC_BAND,
    MVG_T_SAVINGS_FRACTION,
    MVG_T_FSU,
    MVG_T_EXTRAPOLATED,
    MVG_T_OUTLIERS,
    MVG_T_OUTLIERS_EXCLUDED,
    MVG_T_CONFIDENCE,
    MVG_T_LOW,
    MVG_T_HIGH,
    MVG_T_REPORTING_POINTS,
    MVG_T_COVERED_HOURS,
    MVG_T_QUANTITY,
    MVG_T_WINDOW_TOTAL,
    MVG_T_ANNUALISED,
    MVG_T_ENERGY,
    MVG_T_ENERGY_TJ,
    MVG_T_CO2,
    MVG_T_POLLUTANT,
    MVG_T_WATER,
    MVG_T_COST,
    MVG_T_AMOUNT,
    MVG_T_CHART_BASE_TS,
    MVG_T_CHART_SCATTER,
    MVG_T_CHART_REP_TS,
    MVG_T_CHART_CUM,
    MVG_T_CHART_COVERAGE,
    MVG_T_TIME_AXIS,
    MVG_T_DAY_AXIS,
    MVG_T_COVERAGE,
    MVG_T_COV_BASELINE,
    MVG_T_COV_REPORTING,
    MVG_T_NO_DATA,
    MVG_T_CHAIN_HOLDS,
    MVG_T_CHAIN_BROKEN,
    MVG_T_CHAIN_RESULT,
    MVG_T_CHAIN_RECORDS,
    MVG_T_KEY_FP,
    MVG_T_KEY_CURRENT,
    MVG_T_CHAIN_SELF,     /* the chain holds, but only under the gateway's own key files */
    MVG_T_CHAIN_TRUST,
    MVG_T_METHOD_TEXT,
    MVG_T_SAVINGS_SENTENCE,
    MVG_T_SAVINGS_SENTENCE_NOUNC,
    MVG_T_SIGN_OFF,
    MVG_T_DEFAULT_FACTOR,
    MVG_T_NOT_COSTED,
    MVG_T_STYPE_ELECTRICITY, /* in mvg_stream_type order */
    MVG_T_STYPE_FUEL,
    MVG_T_STYPE_HEAT,
    MVG_T_STYPE_WATER,
    MVG_T_STYPE_NOX,
    MVG_T_STYPE_SO2,
    MVG_T_STYPE_VOC,
    MVG_T_STYPE_COST,
    MVG_T_FORM_MEAN, /* in mvg_model_type order */
    MVG_T_FORM_INTENSITY,
    MVG_T_FORM_LINEAR,
    MVG_T_FORM_3PC,
    MVG_T_FORM_3PH,
    MVG_T_FORM_4P,
    MVG_T_FORM_5P,
    MVG_T_COUNT /* not a string: the number of keys */
} mvg_text;

/* The text of key in lang (UTF-8, never NULL for a key < MVG_T_COUNT). */
const char *mvg_i18n(mvg_lang lang, mvg_text key);

/* An ASHRAE Guideline 14 reason as the engine words it (daemon/engine/
 * model.c: "coverage 0.812 < 0.90", "segment 2 of 3 has 4 points < 6"),
 * in lang; a reason of another shape, and every reason in English, as is. */
const char *mvg_i18n_reason(mvg_lang lang, const char *reason, char *buf, size_t len);

/* For the completeness test: the raw table entry, NULL where missing. */
const char *mvg_i18n_raw(mvg_lang lang, mvg_text key);

#endif
