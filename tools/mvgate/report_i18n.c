/*
 * report_i18n.c: the report's words in both languages, one row per key
 * (report_i18n.h). Chinese follows Hong Kong usage (節省, 基準期, 報告期,
 * 不確定性, 核證, 碳排放). Sentences with figures use {1}, {2}, ...
 * placeholders so that each language may order them as it needs.
 */
#include "report_i18n.h"

#include <stdio.h>
#include <string.h>

static const char *const table[MVG_T_COUNT][2] = {
    [MVG_T_TITLE] = {"Measurement and verification report", "量度及核證報告"},
    [MVG_T_GENERATED] = {"Generated", "報告產生時間"},
    [MVG_T_WINDOW] = {"Report window", "報告時段"},
    [MVG_T_WHOLE_RECORD] = {"all stored records", "全部已儲存記錄"},
    [MVG_T_TIMES_UTC] = {"All times are UTC.", "所有時間均為協調世界時（UTC）。"},
    [MVG_T_SEC_SUMMARY] = {"Summary", "摘要"},
    [MVG_T_SEC_PROJECT] = {"Project and meters", "項目及計量儀錶"},
    [MVG_T_SEC_PERIODS] = {"Periods", "基準期及報告期"},
    [MVG_T_SEC_MODEL] = {"Baseline model", "基準模型"},
    [MVG_T_SEC_BASELINE] = {"Baseline period", "基準期"},
    [MVG_T_SEC_REPORTING] = {"Reporting period", "報告期"},
    [MVG_T_SEC_SAVINGS] = {"Savings", "節省量"},
    [MVG_T_SEC_COVERAGE] = {"Data coverage", "數據覆蓋率"},
    [MVG_T_SEC_CHAIN] = {"Data integrity: the signed record chain", "數據完整性：簽署記錄鏈核證"},
    [MVG_T_SEC_METHOD] = {"Method", "計算方法"},
    [MVG_T_GATEWAY] = {"Gateway", "網關"},
    [MVG_T_SITE] = {"Site", "地點"},
    [MVG_T_PROJECT] = {"Project", "項目"},
    [MVG_T_TECHNOLOGY] = {"Technology", "技術類別"},
    [MVG_T_INTERVAL_LEN] = {"Interval", "數據時段長度"},
    [MVG_T_IPMVP_OPTION] = {"IPMVP option", "IPMVP 方案"},
    [MVG_T_BOUNDARY] = {"Measurement boundary", "量度邊界"},
    [MVG_T_CONFIG_SHA] = {"Configuration SHA-256", "設定檔 SHA-256"},
    [MVG_T_DEF_VERSION] = {"Project definition version", "項目定義版本"},
    [MVG_T_NOT_STATED] = {"not stated", "未有註明"},
    [MVG_T_ACCURACY] = {"Accuracy class", "準確度等級"},
    [MVG_T_CALIBRATED] = {"Last calibrated", "上次校準日期"},
    [MVG_T_MINUTES] = {"min", "分鐘"},
    [MVG_T_CONFIG_FILE] = {"Configuration", "設定檔"},
    [MVG_T_RECORDS_FROM] = {"Records received and verified by", "記錄接收及核證"},
    [MVG_T_METERS] = {"Meters and points used", "所用儀錶及測點"},
    [MVG_T_DEVICE] = {"Device", "儀錶"},
    [MVG_T_BUS] = {"Bus", "通訊線路"},
    [MVG_T_UNIT_ID] = {"Unit id", "站號"},
    [MVG_T_PROFILE] = {"Profile", "儀錶型號設定"},
    [MVG_T_POINT] = {"Point", "測點"},
    [MVG_T_UNIT] = {"Unit", "單位"},
    [MVG_T_KIND] = {"Kind", "類型"},
    [MVG_T_ROLE] = {"Used as", "用途"},
    [MVG_T_ROLE_ACTUAL] = {"measured use", "實際用量"},
    [MVG_T_ROLE_DRIVER] = {"independent variable", "自變數"},
    [MVG_T_ROLE_CONC] = {"flue gas concentration", "煙氣濃度"},
    [MVG_T_ROLE_O2] = {"flue gas O2", "煙氣含氧量"},
    [MVG_T_ROLE_FLOW] = {"flue gas flow", "煙氣流量"},
    [MVG_T_ROLE_IN_CONC] = {"inlet concentration", "入口濃度"},
    [MVG_T_ROLE_IN_FLOW] = {"inlet flow", "入口流量"},
    [MVG_T_ROLE_OUT_CONC] = {"outlet concentration (emission)", "出口濃度（排放）"},
    [MVG_T_ROLE_OUT_FLOW] = {"outlet flow (emission)", "出口流量（排放）"},
    [MVG_T_COUNTER] = {"counter", "累計值"},
    [MVG_T_GAUGE] = {"gauge", "瞬時值"},
    [MVG_T_DERIVED] = {"derived channel", "推算通道"},
    [MVG_T_STREAMS] = {"Savings streams", "節省類別"},
    [MVG_T_STREAM] = {"Stream", "節省類別"},
    [MVG_T_TYPE] = {"Type", "種類"},
    [MVG_T_DRIVERS] = {"Independent variables", "自變數"},
    [MVG_T_PHASE] = {"Phase", "階段"},
    [MVG_T_CONFIGURED] = {"Configured", "設定"},
    [MVG_T_SEEN] = {"Seen in records", "記錄所見"},
    [MVG_T_RECORDS] = {"Records", "記錄數目"},
    [MVG_T_START] = {"Start", "開始"},
    [MVG_T_END] = {"End", "結束"},
    [MVG_T_OPEN_END] = {"open", "未設定"},
    [MVG_T_PHASE_BASELINE] = {"baseline", "基準期"},
    [MVG_T_PHASE_INSTALLATION] = {"installation", "安裝期"},
    [MVG_T_PHASE_REPORTING] = {"reporting", "報告期"},
    [MVG_T_PHASE_OTHER] = {"excluded", "不計算"},
    [MVG_T_NO_MODEL] = {"No model yet: the baseline model has not been fitted, so no savings can be computed.",
                        "尚未有模型：基準模型仍未擬合，因此未能計算節省量。"},
    [MVG_T_INLET_BASELINE] = {"No baseline model: the adjusted baseline is the VOC mass entering the treatment unit, the savings the mass removed; no model uncertainty applies.",
                               "沒有基準模型：調整後基準為進入處理設備的揮發性有機化合物質量，節省量即為去除量；不適用模型不確定性。"},
    [MVG_T_FIT_FAILED] = {"The baseline model could not be fitted, so no savings can be computed. The gateway recorded:",
                           "未能擬合基準模型，因此未能計算節省量。網關記錄的原因："},
    [MVG_T_MODEL_VERSION] = {"Model version", "模型版本"},
    [MVG_T_FITTED_AT] = {"Fitted and frozen at", "擬合及凍結時間"},
    [MVG_T_BASELINE_ENDS] = {"Baseline period ends", "基準期結束"},
    [MVG_T_GIVEN_MODEL] = {"given in the configuration", "於設定檔中給定"},
    [MVG_T_FORM] = {"Form", "模型形式"},
    [MVG_T_COEFFICIENT] = {"Coefficient", "系數"},
    [MVG_T_ESTIMATE] = {"Estimate", "估計值"},
    [MVG_T_STD_ERROR] = {"Standard error", "標準誤差"},
    [MVG_T_T_STAT] = {"t", "t 值"},
    [MVG_T_CHANGE_POINT] = {"change point", "轉折點"},
    [MVG_T_FIT_STATS] = {"Fit statistics (ASHRAE Guideline 14)", "擬合統計（ASHRAE Guideline 14）"},
    [MVG_T_N_POINTS] = {"Baseline points n", "基準數據點數目 n"},
    [MVG_T_N_PARAMS] = {"Parameters p", "參數數目 p"},
    [MVG_T_AUTOCORR] = {"Lag-1 autocorrelation of residuals", "殘差一階自相關"},
    [MVG_T_ADJ_R2] = {"Adjusted R\xc2\xb2", "調整後 R\xc2\xb2"},
    [MVG_T_VERDICT] = {"Verdict", "判定"},
    [MVG_T_PASS] = {"meets ASHRAE Guideline 14", "符合 ASHRAE Guideline 14"},
    [MVG_T_FAIL] = {"does NOT meet ASHRAE Guideline 14: the baseline is not fit for verification",
                    "不符合 ASHRAE Guideline 14：基準不適用於核證"},
    [MVG_T_REASONS] = {"Reasons", "原因"},
    [MVG_T_ACTUAL] = {"Actual", "實際用量"},
    [MVG_T_PREDICTION] = {"Model prediction", "模型預測"},
    [MVG_T_FITTED_CURVE] = {"Fitted model", "擬合模型"},
    [MVG_T_ADJ_BASELINE] = {"Adjusted baseline", "調整後基準"},
    [MVG_T_AVOIDED] = {"Avoided use", "避免用量"},
    [MVG_T_ADJUSTMENT] = {"Non-routine adjustments", "非常規調整"},
    [MVG_T_SAVINGS] = {"Savings", "節省量"},
    [MVG_T_CUM_SAVINGS] = {"Cumulative savings", "累計節省量"},
    [MVG_T_UNC_BAND] = {"Uncertainty band", "不確定性範圍"},
    [MVG_T_SAVINGS_FRACTION] = {"Savings fraction", "節省比率"},
    [MVG_T_FSU] = {"Fractional savings uncertainty (FSU)", "節省量分數不確定性（FSU）"},
    [MVG_T_EXTRAPOLATED] = {"Counted intervals outside the baseline range of x",
                            "自變數超出基準範圍的計入區間"},
    [MVG_T_OUTLIERS] = {"Baseline outliers (residual over 3 IQR from the median, CalTRACK 2.3.6)",
                        "基準離群值（殘差距中位數超過 3 倍四分位距，CalTRACK 2.3.6）"},
    [MVG_T_OUTLIERS_EXCLUDED] = {"of them left out of the fit", "其中排除於擬合之外"},
    [MVG_T_CONFIDENCE] = {"Confidence level", "置信水平"},
    [MVG_T_LOW] = {"Savings, lower bound", "節省量下限"},
    [MVG_T_HIGH] = {"Savings, upper bound", "節省量上限"},
    [MVG_T_REPORTING_POINTS] = {"Reporting points m", "報告期數據點數目 m"},
    [MVG_T_COVERED_HOURS] = {"Hours covered", "覆蓋時數"},
    [MVG_T_QUANTITY] = {"Quantity", "項目"},
    [MVG_T_WINDOW_TOTAL] = {"Over the window", "報告時段內"},
    [MVG_T_ANNUALISED] = {"Annualised (per year)", "年化（每年）"},
    [MVG_T_ENERGY] = {"Energy", "能源"},
    [MVG_T_ENERGY_TJ] = {"Energy", "能源"},
    [MVG_T_CO2] = {"Carbon emissions (CO2)", "碳排放（二氧化碳）"},
    [MVG_T_POLLUTANT] = {"Air pollutant", "空氣污染物"},
    [MVG_T_WATER] = {"Water", "用水"},
    [MVG_T_COST] = {"Cost saved (HK$)", "節省費用（港元）"},
    [MVG_T_AMOUNT] = {"In the stream's unit", "以該類別單位計"},
    [MVG_T_CHART_BASE_TS] = {"Baseline period: actual use and model prediction",
                             "基準期：實際用量與模型預測"},
    [MVG_T_CHART_SCATTER] = {"Baseline period: actual use against the independent variable, with the fitted model",
                             "基準期：實際用量對自變數散佈圖及擬合模型"},
    [MVG_T_CHART_REP_TS] = {"Reporting period: adjusted baseline and actual use",
                            "報告期：調整後基準與實際用量"},
    [MVG_T_CHART_CUM] = {"Cumulative savings and their uncertainty", "累計節省量及其不確定性"},
    [MVG_T_CHART_COVERAGE] = {"Data coverage per day", "每日數據覆蓋率"},
    [MVG_T_TIME_AXIS] = {"Time (UTC)", "時間（UTC）"},
    [MVG_T_DAY_AXIS] = {"Day (UTC)", "日期（UTC）"},
    [MVG_T_COVERAGE] = {"Coverage", "覆蓋率"},
    [MVG_T_COV_BASELINE] = {"Coverage of the baseline period", "基準期數據覆蓋率"},
    [MVG_T_COV_REPORTING] = {"Coverage of the reporting window", "報告時段數據覆蓋率"},
    [MVG_T_COV_USED] = {"Reporting intervals counted", "計入的報告期時段"},
    [MVG_T_COV_EXPECTED] = {"of the intervals expected", "應有時段"},
    [MVG_T_COV_USED_SHARE] = {"Share counted", "計入比率"},
    [MVG_T_EXCLUDED] = {"Reporting intervals not counted", "未計入的報告期時段"},
    [MVG_T_EXCL_NONE] = {"Every reporting interval of the window is counted.", "報告時段內每個報告期時段均已計入。"},
    [MVG_T_EXCL_LOW_COVERAGE] = {"data coverage {1} below the project's minimum", "數據覆蓋率 {1} 低於項目下限"},
    [MVG_T_EXCL_NO_BASELINE] = {"no baseline value (no model)", "沒有基準值（沒有模型）"},
    [MVG_T_EXCL_MISSING] = {"no record ({1} intervals)", "沒有記錄（{1} 個時段）"},
    [MVG_T_EXCL_WHY] = {"Why", "原因"},
    [MVG_T_EXCL_MORE] = {"{1} more in the JSON report (streams[].excluded).", "另有 {1} 項，見 JSON 報告（streams[].excluded）。"},
    [MVG_T_NO_DATA] = {"No records in this period.", "此期間沒有記錄。"},
    [MVG_T_CHAIN_HOLDS] = {"The chain holds: every record is signed by the gateway and linked to the one before it.",
                           "記錄鏈完整：每一筆記錄均經網關簽署，並與前一筆記錄相連。"},
    [MVG_T_CHAIN_BROKEN] = {"THE CHAIN DOES NOT HOLD: the records cannot be relied on as stored by the gateway. Do not sign off this report.",
                            "記錄鏈不完整：未能證明記錄為網關原本儲存的數據。請勿簽署此報告。"},
    [MVG_T_CHAIN_RESULT] = {"Result of the check", "核證結果"},
    [MVG_T_CHAIN_RECORDS] = {"Signed records checked", "已核證的簽署記錄"},
    [MVG_T_KEY_FP] = {"Gateway key fingerprint", "網關密碼匙指紋"},
    [MVG_T_KEY_CURRENT] = {"Key signing now", "現時簽署的密碼匙"},
    [MVG_T_CHAIN_SELF] = {"SELF-ATTESTED: the chain holds under the gateway's own key files, but no register of enrolled keys was given (mvgate report --enrolled), so nothing here shows that the key is the one the gateway was commissioned with. A store re-signed throughout under another key would read the same.",
                          "自我證明：記錄鏈在網關自身的密碼匙檔案下完整，但未提供已登記密碼匙名冊（mvgate report --enrolled），故無法證明該密碼匙為網關調試時登記的密碼匙。以另一密碼匙重新簽署的數據庫亦會顯示相同結果。"},
    [MVG_T_CHAIN_TRUST] = {"Attestation", "證明方式"},
    [MVG_T_METHOD_TEXT] =
        {"Savings follow IPMVP: avoided use = adjusted baseline - actual use, the adjusted baseline being "
         "the frozen baseline model evaluated at the reporting period's conditions, interval by interval, "
         "over the valid intervals (every channel covered). Non-routine adjustments are added and shown "
         "apart. The uncertainty is ASHRAE Guideline 14's fractional savings uncertainty, "
         "FSU = t a CV(RMSE) sqrt((n/n')(1 + 2/n')(1/m)) / F, with n' corrected for the residuals' "
         "autocorrelation, a the empirical factor of the data's granularity (1.26 for hourly and 15-minute "
         "intervals; for daily and monthly data a polynomial in the reporting period's months, as "
         "docs/method.md gives it), t at the stated confidence with n - p degrees of freedom. "
         "Conversions to TJ, CO2, pollutants, water and HK$ use the factors listed with their values, "
         "units and sources under Conversion factors, and carry the savings' interval with them. "
         "Annual figures are normalised savings: the frozen model over the baseline "
         "year's conditions times the savings fraction (docs/method.md), never the measured savings "
         "scaled by 8760 h over the hours covered.",
         "節省量按 IPMVP（國際性能量度及核證規程）計算：避免用量 = 調整後基準 - 實際用量；"
         "調整後基準為已凍結的基準模型在報告期各時段條件下的預測值，只計算數據有效（各通道覆蓋足夠）的時段。"
         "非常規調整另行列出。不確定性按 ASHRAE Guideline 14 的節省量分數不確定性計算："
         "FSU = t a CV(RMSE) sqrt((n/n')(1 + 2/n')(1/m)) / F，其中 n' 已按殘差自相關修正，a 為按數據時段長度而定的經驗系數"
         "（每小時及 15 分鐘時段為 1.26；每日及每月數據為報告期月數的多項式，見 docs/method.md），"
         "t 按所列置信水平及 n - p 自由度取值。能源（TJ）、碳排放、污染物、用水及港元的換算採用「換算系數」"
         "一節所列的系數（連同數值、單位及來源），節省量的區間亦以相同系數換算。年化數字為標準化節省量：已凍結的模型在基準年條件下的預測值乘以節省比率"
         "（見 docs/method.md），並非以 8760 小時除以覆蓋時數推算實測節省量。"},
    [MVG_T_SAVINGS_SENTENCE] =
        {"{1}: savings of {2} {3} over {4} reporting intervals, {5} of the adjusted baseline; "
         "at {6} confidence the savings lie between {7} and {8} {3}.",
         "{1}：於 {4} 個報告期時段內節省 {2} {3}，佔調整後基準的 {5}；"
         "在 {6} 置信水平下，節省量介乎 {7} 至 {8} {3}。"},
    [MVG_T_SAVINGS_SENTENCE_NOUNC] =
        {"{1}: savings of {2} {3} over {4} reporting intervals, {5} of the adjusted baseline; "
         "the uncertainty is undefined (no baseline model, no savings, or too few points).",
         "{1}：於 {4} 個報告期時段內節省 {2} {3}，佔調整後基準的 {5}；"
         "不確定性無法界定（沒有基準模型、沒有節省量或數據點不足）。"},
    [MVG_T_SIGN_OFF] = {"Checked by (M&V engineer), date", "核證工程師簽署及日期"},
    [MVG_T_DEFAULT_FACTOR] = {"built-in default, not configured for the site", "內置預設值，未按地點設定"},
    [MVG_T_FORM_MEAN] = {"mean (constant use)", "平均值（固定用量）"},
    [MVG_T_FORM_INTENSITY] = {"intensity (use per unit of the variable)", "強度（每單位自變數用量）"},
    [MVG_T_FORM_LINEAR] = {"linear regression", "線性回歸"},
    [MVG_T_FORM_3PC] = {"three-parameter change point, cooling", "三參數轉折點模型（製冷）"},
    [MVG_T_FORM_3PH] = {"three-parameter change point, heating", "三參數轉折點模型（供暖）"},
    [MVG_T_FORM_4P] = {"four-parameter change point", "四參數轉折點模型"},
    [MVG_T_FORM_5P] = {"five-parameter change point", "五參數轉折點模型"},
    [MVG_T_STYPE_ELECTRICITY] = {"electricity", "電力"},
    [MVG_T_STYPE_FUEL] = {"fuel", "燃料"},
    [MVG_T_STYPE_HEAT] = {"heat / steam", "熱能／蒸汽"},
    [MVG_T_STYPE_WATER] = {"water / wastewater", "用水／廢水"},
    [MVG_T_STYPE_NOX] = {"NOx", "氮氧化物（NOx）"},
    [MVG_T_STYPE_SO2] = {"SO2", "二氧化硫（SO2）"},
    [MVG_T_STYPE_VOC] = {"VOC", "揮發性有機化合物（VOC）"},
    [MVG_T_STYPE_COST] = {"cost", "費用"},
    [MVG_T_P_COLON] = {": ", "："},
    [MVG_T_P_OPEN] = {" (", "（"},
    [MVG_T_P_CLOSE] = {")", "）"},
    [MVG_T_P_LIST] = {", ", "、"},
    [MVG_T_CHAIN_OK_LINE] = {"OK: {1} records ({2} interval, {3} model, {4} key rotation, {5} definition), key {6}",
                             "核證通過：共 {1} 筆記錄（區間記錄 {2} 筆、模型記錄 {3} 筆、密碼匙更換 {4} 次、項目定義 {5} 個），密碼匙 {6}"},
    [MVG_T_CHAIN_NEW_AFTER_LOSS] = {", new chain after a lost store", "，另有數據庫遺失後重新開始的記錄鏈"},
    [MVG_T_CHAIN_NOW_KEY] = {", now {1}", "，現時密碼匙 {1}"},
    [MVG_T_CHAIN_HUB_RANGE] = {"; verified at the hub: chain 1..{1}", "；樞紐已核證記錄鏈第 1 至 {1} 筆"},
    [MVG_T_CHAIN_HUB_NOT_USED] = {"; not used: {1} record(s) after it", "；其後 {1} 筆記錄未有採用"},
    [MVG_T_CHAIN_TOOL_TEXT] = {"The check reported: ", "核證工具的原文訊息（英文）："},
    [MVG_T_TRUST_ENROLLED_LINE] = {"enrolled: gateway {1}, first key {2} as enrolled ({3})",
                                   "已登記：網關 {1} 的首個密碼匙 {2} 與登記名冊相符（{3}）"},
    [MVG_T_TRUST_SELF_LINE] = {"self-attested: the chain holds under the gateway's own key files in data_dir (key {1}); nothing here ties that key to gateway {2}: give --enrolled REGISTER to check it against the key enrolled at commissioning",
                               "自我證明：記錄鏈在網關數據目錄內的密碼匙檔案下完整（密碼匙 {1}），但沒有任何資料把該密碼匙與網關 {2} 聯繫起來：請以 --enrolled 提供登記名冊，與調試時已登記的密碼匙核對"},
    [MVG_T_WORD_ENROLLED] = {"enrolled", "已登記"},
    [MVG_T_WORD_SELF] = {"self-attested", "自我證明"},
    [MVG_T_PRG_TITLE] = {"Programme report: verified savings of the demonstration projects", "計劃報告：示範項目的已核證節省量"},
    [MVG_T_PRG_YEAR] = {"Programme year", "計劃年度"},
    [MVG_T_PRG_TIMES_HKT] = {"Days and months are in Hong Kong time (UTC+08:00); programme years run from 1 April to 31 March.", "日期及月份以香港時間（UTC+08:00）計算；計劃年度由4月1日至翌年3月31日。"},
    [MVG_T_PRG_SEC_TOTALS] = {"Programme totals", "計劃總計"},
    [MVG_T_PRG_SEC_PROJECTS] = {"Projects", "項目"},
    [MVG_T_PRG_SEC_TECH] = {"By technology", "按技術類別"},
    [MVG_T_PRG_SEC_MONTHS] = {"Savings by month", "每月節省量"},
    [MVG_T_PRG_MEASURED] = {"Measured to date", "至今實測"},
    [MVG_T_PRG_UNCERTAINTY] = {"Uncertainty (±)", "不確定性（±）"},
    [MVG_T_PRG_ANNUAL] = {"Annualised (as the records give it)", "年度化（按記錄所載）"},
    [MVG_T_PRG_VOC] = {"VOC", "揮發性有機化合物"},
    [MVG_T_PRG_SO2] = {"SO2", "二氧化硫"},
    [MVG_T_PRG_NOX] = {"NOx", "氮氧化物"},
    [MVG_T_PRG_WASTEWATER] = {"Water and wastewater", "用水及污水"},
    [MVG_T_PRG_COST] = {"Cost savings", "節省費用"},
    [MVG_T_PRG_STATUS] = {"Verification", "核證狀況"},
    [MVG_T_PRG_VERIFIED] = {"verified", "已核證"},
    [MVG_T_PRG_BAD] = {"BAD RECORDS", "有問題記錄"},
    [MVG_T_PRG_UNVERIFIED] = {"not verified yet", "尚未核證"},
    [MVG_T_PRG_VERIFIED_RECORDS] = {"Verified records", "已核證記錄"},
    [MVG_T_PRG_WAITING] = {"Waiting", "待核證"},
    [MVG_T_PRG_BAD_RECORDS] = {"Bad", "問題記錄"},
    [MVG_T_PRG_OPEN_ALARMS] = {"Open alarms", "未解除警報"},
    [MVG_T_PRG_NONE] = {"none", "無"},
    [MVG_T_PRG_PROJECTS_N] = {"Projects", "項目數目"},
    [MVG_T_PRG_PROJECTS_MEASURED] = {"Projects with verified savings in the window", "時段內有已核證節省量的項目"},
    [MVG_T_PRG_PROJECTS_NO_UNC] = {"of them without a defined savings interval (left out of the uncertainty)", "其中節省量區間未能界定的項目（不計入不確定性）"},
    [MVG_T_PRG_PROJECTS_ANNUAL] = {"Projects whose last record gives annual figures", "最後記錄載有年度數字的項目"},
    [MVG_T_PRG_PROJECTS_BAD] = {"Projects with bad records", "有問題記錄的項目"},
    [MVG_T_PRG_PROJECTS_ALARMED] = {"Projects with open alarms", "有未解除警報的項目"},
    [MVG_T_PRG_UNREAD] = {"Verified interval records whose figures could not be read", "未能讀取數字的已核證記錄"},
    [MVG_T_PRG_ALL_GOOD] = {"Every project's records verified: no bad record.", "所有項目的記錄均已核證：沒有問題記錄。"},
    [MVG_T_PRG_NOT_GOOD] = {"NOT every project verifies: see the projects marked below.", "並非所有項目均通過核證：請參閱下列標示的項目。"},
    [MVG_T_PRG_CHART_MONTHS] = {"Measured savings per month", "每月實測節省量"},
    [MVG_T_PRG_CHART_CUM] = {"Cumulative measured savings", "累計實測節省量"},
    [MVG_T_PRG_MONTH_AXIS] = {"Month (Hong Kong time)", "月份（香港時間）"},
    [MVG_T_PRG_METHOD_TEXT] = {"Only records the hub verified (signature, chain position, enrolled key) are counted. Measured savings are the converted savings of the verified reporting-period intervals in the window, summed per project and over the programme. Annualised figures are those of each project's last verified record in the window (its normalised annual savings), never scaled from hours. Each project's savings interval is computed for the window at the programme's confidence as ASHRAE Guideline 14 does (the engine's own function, with the project's verified baseline model), and the programme's uncertainty combines the projects' intervals as independent: the square root of the sum of their squares, as LBNL's RMV2.0 combined a portfolio's.", "只計算樞紐已核證的記錄（簽署、記錄鏈位置、已登記密碼匙）。實測節省量為時段內已核證報告期數據的換算節省量，按項目及全計劃加總。年度化數字取自各項目在時段內最後一筆已核證記錄（其標準化年度節省量），從不按小時推算。各項目的節省量區間按ASHRAE Guideline 14於計劃置信水平計算（使用引擎本身的函數及該項目已核證的基準模型）；計劃的不確定性把各項目的區間視為互相獨立合併：即各區間平方和的平方根，與LBNL RMV2.0曾採用的項目組合合併方法相同。"},
    [MVG_T_CONDITIONS] = {"Baseline conditions", "基準期狀況"},
    [MVG_T_BASE_INTERVALS] = {"Valid intervals in the baseline period", "基準期有效數據時段"},
    [MVG_T_BASE_HOURS] = {"Hours they cover", "所涵蓋小時數"},
    [MVG_T_VARIABLE] = {"Independent variable", "自變數"},
    [MVG_T_RANGE_MIN] = {"Lowest in the baseline", "基準期最低值"},
    [MVG_T_RANGE_MAX] = {"Highest in the baseline", "基準期最高值"},
    [MVG_T_RANGE_MARGIN] =
        {"Margin beyond the range before a reporting interval counts as extrapolated "
         "(share of each range)",
         "報告期時段被視為外推前可超出範圍的幅度（佔各範圍的比例）"},
    [MVG_T_NO_RANGE] =
        {"The model record states no range of the independent variables (a model given in "
         "the configuration, or a record before model schema 2).",
         "模型記錄未有註明自變數範圍（設定檔所給定的模型，或模型記錄格式第 2 版以前的記錄）。"},
    [MVG_T_MAX_CV] = {"Highest CV(RMSE) accepted", "CV(RMSE) 上限"},
    [MVG_T_MAX_NMBE] = {"Highest |NMBE| accepted", "|NMBE| 上限"},
    [MVG_T_THRESH_SOURCE] = {"Source of the thresholds", "門檻來源"},
    [MVG_T_GRAN_HOURLY] = {"hourly data", "每小時數據"},
    [MVG_T_GRAN_DAILY] = {"daily data", "每日數據"},
    [MVG_T_GRAN_MONTHLY] = {"monthly data", "每月數據"},
    [MVG_T_FACTORS] = {"Conversion factors", "換算系數"},
    [MVG_T_FACTOR] = {"Factor", "系數"},
    [MVG_T_VALUE] = {"Value", "數值"},
    [MVG_T_SOURCE] = {"Source", "來源"},
    [MVG_T_FACTOR_STATE] = {"Default or configured", "預設值或設定值"},
    [MVG_T_FROM_CONFIG] = {"configured for the site", "已按地點設定"},
    [MVG_T_F_CO2] = {"CO2 emission factor", "碳排放系數"},
    [MVG_T_F_DENSITY] = {"Mass per unit (density)", "每單位質量（密度）"},
    [MVG_T_F_NCV] = {"Net calorific value (NCV)", "淨發熱量（NCV）"},
    [MVG_T_F_TJ] = {"Energy per kWh", "每千瓦時能量"},
    [MVG_T_F_KWH] = {"Energy per unit", "每單位能量"},
    [MVG_T_F_ENTHALPY] = {"Net enthalpy of the steam", "蒸汽淨焓值"},
    [MVG_T_F_O2] = {"Reference O2", "基準含氧量"},
    [MVG_T_F_FLOW_BASIS] = {"Flue gas flow basis", "煙氣流量基準"},
    [MVG_T_F_H2O] = {"Moisture of the metered flue gas", "所計量煙氣的濕度"},
    [MVG_T_F_TEMP] = {"Temperature of the metered flue gas", "所計量煙氣的溫度"},
    [MVG_T_F_KPA] = {"Pressure of the metered flue gas", "所計量煙氣的壓力"},
    [MVG_T_F_COST] = {"Cost per unit", "每單位費用"},
    [MVG_T_F_ENERGY_PRICE] = {"Energy price of the flat period (tariff)", "平段電價（電價表）"},
    [MVG_T_F_DEMAND_CHARGE] = {"Demand charge per kW of the month's peak (tariff)",
                               "每月最高需量每千瓦需量費（電價表）"},
    [MVG_T_FLOW_MEASURED] = {"as measured (dry flow at the measured O2)", "實測流量（按實測含氧量的乾煙氣流量）"},
    [MVG_T_FLOW_REFERENCE] = {"at the reference O2", "已折算至基準含氧量"},
    [MVG_T_BOUND_LOW] = {"Lower bound", "下限"},
    [MVG_T_BOUND_HIGH] = {"Upper bound", "上限"},
    [MVG_T_BOUNDS_NOTE] =
        {"The bounds are the savings' interval at the {1} confidence level (the avoided use's "
         "bounds plus the non-routine adjustments) converted by the same factors; the annual "
         "interval is the normalised annual figure times one minus and one plus the FSU.",
         "上下限為 {1} 置信水平下節省量的區間（避免用量的上下限加非常規調整），以相同系數換算；"
         "全年區間為標準化全年數值乘以一減及一加 FSU。"},
    [MVG_T_BOUNDS_NOTE_TARIFF] =
        {"The bounds are the savings' interval at the {1} confidence level (the avoided use's "
         "bounds plus the non-routine adjustments) converted by the same factors; the HK$ bounds "
         "price it at the window's mean tariff price and add the demand charge savings, which "
         "carry no model uncertainty; the annual interval is the normalised annual figure times "
         "one minus and one plus the FSU.",
         "上下限為 {1} 置信水平下節省量的區間（避免用量的上下限加非常規調整），以相同系數換算；"
         "港元上下限按報告時段的平均電價表價格計算，另加不含模型不確定性的需量費節省；"
         "全年區間為標準化全年數值乘以一減及一加 FSU。"},
    [MVG_T_GAP_BASE] = {"No valid data", "沒有有效數據"},
    [MVG_T_GAP_REP] = {"Not counted", "不計算"},
    [MVG_T_EXTRAP_POINT] = {"Extrapolated interval", "外推時段"},
    [MVG_T_SRC_TJ] = {"definition (1 kWh = 3.6 MJ)", "定義（1 kWh = 3.6 MJ）"},
    [MVG_T_SRC_UNIT] = {"unit conversion of the stream's unit", "按該類別的單位換算"},
    [MVG_T_SRC_GRID] = {"mainland China national grid average, MEE notice of February 2023",
                        "內地全國電網平均排放系數，生態環境部 2023 年 2 月通知"},
    [MVG_T_SRC_HEAT_CO2] = {"none: 0 until the heat source is configured", "無：未設定熱源前為 0"},
    [MVG_T_SRC_EF] = {"IPCC 2006 Guidelines, Vol. 2, Ch. 1, Table 1.4",
                      "IPCC 2006 年指南第 2 卷第 1 章表 1.4"},
    [MVG_T_SRC_NCV] = {"IPCC 2006 Guidelines, Vol. 2, Ch. 1, Table 1.2",
                       "IPCC 2006 年指南第 2 卷第 1 章表 1.2"},
    [MVG_T_SRC_EXACT_MASS] = {"exact (a mass unit)", "準確值（質量單位）"},
    [MVG_T_SRC_NG_DENSITY] = {"typical pipeline gas at 0 degC and 101.325 kPa",
                              "一般管道天然氣，0 °C 及 101.325 kPa"},
    [MVG_T_SRC_NG_DENSITY_20] =
        {"typical pipeline gas at 0 degC and 101.325 kPa, at 20 degC by the ideal gas law "
         "(x 273.15 / 293.15)",
         "一般管道天然氣，0 °C 及 101.325 kPa，按理想氣體定律折算至 20 °C（× 273.15 / 293.15）"},
    [MVG_T_SRC_DIESEL_DENSITY] = {"EN 590 automotive diesel at 15 degC", "EN 590 車用柴油，15 °C"},
    [MVG_T_SRC_LPG_DENSITY] = {"liquid propane/butane mixes at 15 degC", "液態丙烷及丁烷混合物，15 °C"},
    [MVG_T_SRC_STEAM] = {"IAPWS-IF97: saturated steam at 10 bar abs minus feedwater at 80 degC",
                         "IAPWS-IF97：10 bar 絕對壓力飽和蒸汽減 80 °C 給水"},
    [MVG_T_SRC_O2] = {"reference O2 for liquid and gaseous fuels in boilers, EU IED 2010/75/EU Annex V",
                      "鍋爐燃用液體及氣體燃料的基準含氧量，歐盟工業排放指令 2010/75/EU 附件 V"},
    [MVG_T_SRC_FLOW] = {"built-in default: the flow as measured", "內置預設值：按實測流量"},
    [MVG_T_SRC_COST] = {"none: not costed (0)", "無：未計費用（0）"},
    [MVG_T_SRC_COST_SELF] = {"identity: the stream is measured in HK$", "恆等：該類別以港元計量"},
    [MVG_T_SRC_CRIT_HOURLY] = {"ASHRAE Guideline 14-2014, section 4.3.2.4",
                               "ASHRAE Guideline 14-2014 第 4.3.2.4 節"},
    [MVG_T_SRC_CRIT_DAILY] =
        {"California NMEC practice for CalTRACK 2.0 daily baselines (CalTRACK methods 4.3.2.1 "
         "leaves CV(RMSE) to the procurer)",
         "加州 NMEC 對 CalTRACK 2.0 每日基準的做法（CalTRACK 方法 4.3.2.1 把 CV(RMSE) 上限留給採購方決定）"},
    [MVG_T_SRC_CRIT_MONTHLY] = {"ASHRAE Guideline 14-2014, sections 4.3.2.4 / 5.3.2.4",
                                "ASHRAE Guideline 14-2014 第 4.3.2.4 及 5.3.2.4 節"},
    [MVG_T_SRC_STEAM_KWH] = {"1000 x enthalpy_kj_per_kg / 3600", "1000 × 蒸汽淨焓值（kJ/kg）/ 3600"},
    [MVG_T_DAILY_NOTE] =
        {"A daily project (granularity \"daily\", days from {1}): the model's rows, the savings, "
         "their uncertainty and the counts below are local days; a day counts when every one of "
         "its intervals is valid and in one phase. {2} intervals after the last closed day belong "
         "to no day yet.",
         "每日項目（每日由 {1} 起計）：模型的數據行、節省量、其不確定性及下列計數均以當地日數計算；"
         "某日所有時段均有效且屬同一階段方予計算。最後一個已完結日之後的 {2} 個時段尚未歸入任何一日。"},
    [MVG_T_CANDIDATES] =
        {"Candidates of the auto fit: every form tried; the qualified form of highest adjusted "
         "R\xc2\xb2 is chosen (CalTRACK's rule)",
         "自動擬合的候選模型：所有試用的模型形式；取合格者中調整後 R\xc2\xb2 最高者（CalTRACK 的規則）"},
    [MVG_T_CAND_STATUS] = {"Outcome", "結果"},
    [MVG_T_CAND_CHOSEN] = {"chosen", "選用"},
    [MVG_T_CAND_QUALIFIED] = {"qualified", "合格"},
    [MVG_T_CAND_NOT_FITTED] = {"not fitted", "未能擬合"},
    [MVG_T_CAND_DISQUALIFIED] = {"disqualified", "不合格"},
    [MVG_T_DOUBLE_COUNTED] =
        {"Meter point {1} is counted by this project and by project {2} as well: the same use "
         "or emission would be claimed twice (mvgate check warns of it).",
         "計量點 {1} 同時計入本項目及項目 {2}：同一用量或排放會被重複申報（mvgate 的設定檢查會就此發出警告）。"},
    [MVG_T_EXTRAP_LIST] = {"Counted intervals outside the baseline range (extrapolated)",
                           "超出基準範圍的計入時段（外推）"},
    [MVG_T_EXTRAP_NONE] = {"No counted interval of the window lies outside the baseline range.",
                           "報告時段內沒有超出基準範圍的計入時段。"},
    [MVG_T_EXTRAP_X] = {"Independent variables (baseline range)", "自變數（基準範圍）"},
    [MVG_T_EXTRAP_MORE] = {"{1} more in the JSON report (streams[].extrapolated_intervals).",
                           "另有 {1} 項外推時段，見 JSON 報告（streams[].extrapolated_intervals）。"},
};

const char *mvg_lang_tag(mvg_lang l) { return l == MVG_LANG_ZH_HANT ? "zh-Hant" : "en"; }

int mvg_lang_parse(const char *s, mvg_lang *out)
{
    if (strcmp(s, "en") == 0)
        *out = MVG_LANG_EN;
    else if (strcmp(s, "zh-Hant") == 0 || strcmp(s, "zh-Hant-HK") == 0 || strcmp(s, "zh-HK") == 0)
        *out = MVG_LANG_ZH_HANT;
    else
        return -1;
    return 0;
}

const char *mvg_i18n_raw(mvg_lang lang, mvg_text key)
{
    if ((unsigned)key >= MVG_T_COUNT)
        return NULL;
    return table[key][lang == MVG_LANG_ZH_HANT ? 1 : 0];
}

const char *mvg_i18n(mvg_lang lang, mvg_text key)
{
    const char *s = mvg_i18n_raw(lang, key);
    if (!s || !*s)
        s = mvg_i18n_raw(MVG_LANG_EN, key);
    return s ? s : "?";
}

/* "heating slope b1 -0.2 <= 0: use does not rise as x falls" and
 * "cooling slope b2 not significant (t 1.20 < 1.30, p >= 0.10)" in
 * Chinese; 0 for another shape. */
static int slope_reason(const char *reason, char *buf, size_t len)
{
    char kind[16], coef[8], v[32], t[32], tq[32];
    int used = -1;
    if (sscanf(reason, "%15s slope %7s %31s <= 0: use does not rise as x %*[a-z]%n", kind, coef,
               v, &used) == 3 &&
        used >= 0 && reason[used] == '\0') {
        int heat = strcmp(kind, "heating") == 0;
        if (!heat && strcmp(kind, "cooling") != 0)
            return 0;
        snprintf(buf, len, "%s斜率 %s = %s ≤ 0：用量並未隨自變數%s而上升", heat ? "供暖" : "製冷",
                 coef, v, heat ? "下降" : "上升");
        return 1;
    }
    used = -1;
    if (sscanf(reason, "%15s slope %7s not significant (t %31s < %31[^,], p >= 0.10)%n", kind,
               coef, t, tq, &used) == 4 &&
        used >= 0 && reason[used] == '\0' && (strcmp(kind, "heating") == 0 || strcmp(kind, "cooling") == 0)) {
        snprintf(buf, len, "%s斜率 %s 不顯著（t %s < %s，p ≥ 0.10）",
                 strcmp(kind, "heating") == 0 ? "供暖" : "製冷", coef, t, tq);
        return 1;
    }
    return 0;
}

const char *mvg_i18n_reason(mvg_lang lang, const char *reason, char *buf, size_t len)
{
    if (lang == MVG_LANG_EN)
        return reason;
    char a[32], b[32];
    unsigned s, n, pts, min;
    int used = -1;
    /* CV(RMSE) and |NMBE| read the same in both languages: only the words */
    if (sscanf(reason, "coverage %31s < %31s%n", a, b, &used) == 2 && reason[used] == '\0')
        snprintf(buf, len, "數據覆蓋率 %s < %s", a, b);
    else if (sscanf(reason, "segment %u of %u has %u points < %u%n", &s, &n, &pts, &min, &used) ==
                 4 &&
             reason[used] == '\0')
        snprintf(buf, len, "第 %u 段（共 %u 段）只有 %u 個數據點，少於 %u 個", s, n, pts, min);
    /* an auto fit's candidates (model.c mvg_model_fit_auto, implausible) */
    else if (strcmp(reason, "needs at least one x") == 0)
        snprintf(buf, len, "需要至少一個自變數");
    else if (strcmp(reason, "change-point forms need at least one x") == 0)
        snprintf(buf, len, "轉折點模型需要至少一個自變數");
    /* the wording before change-point forms took further x, in older records */
    else if (sscanf(reason, "change-point forms need exactly one x, %u given%n", &n, &used) == 1 &&
             used >= 0 && reason[used] == '\0')
        snprintf(buf, len, "轉折點模型須有剛好一個自變數（現有 %u 個）", n);
    else if (slope_reason(reason, buf, len))
        ;
    else
        return reason;
    return buf;
}

const char *mvg_i18n_source(mvg_lang lang, const char *source)
{
    if (lang == MVG_LANG_EN || !source)
        return source;
    for (int k = MVG_T_SRC_TJ; k <= MVG_T_SRC_STEAM_KWH; k++)
        if (strcmp(source, table[k][0]) == 0)
            return table[k][1];
    return source;
}
