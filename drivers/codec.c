/* PLACEHOLDER */
typedef int mvg_codec_placeholder;
