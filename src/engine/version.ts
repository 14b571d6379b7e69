/** Version of the analysis, recorded in every report (the package version). */
export const ENGINE_VERSION = '0.1.0';
