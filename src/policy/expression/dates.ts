/** Azure's policy date format: yyyy-MM-ddTHH:mm:ss.fffffffZ (seven fractional digits). */
export function formatUtc(d: Date, format?: string): string {
  if (Number.isNaN(d.getTime())) return 'Invalid Date';
  const iso = d.toISOString(); // yyyy-MM-ddTHH:mm:ss.sssZ
  if (format === undefined) return iso.slice(0, 23) + '0000Z';
  if (format === 'u') return iso.slice(0, 10) + ' ' + iso.slice(11, 19) + 'Z';
  if (format === 'o' || format === 'O') return iso.slice(0, 23) + '0000Z';
  if (format === 'd') return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  // Custom .NET-style formats: replace the longest tokens first.
  return format.replace(/yyyy|MM|dd|HH|mm|ss|fff/g, (t) =>
    t === 'yyyy' ? p(d.getUTCFullYear(), 4)
    : t === 'MM' ? p(d.getUTCMonth() + 1)
    : t === 'dd' ? p(d.getUTCDate())
    : t === 'HH' ? p(d.getUTCHours())
    : t === 'mm' ? p(d.getUTCMinutes())
    : t === 'ss' ? p(d.getUTCSeconds())
    : p(d.getUTCMilliseconds(), 3),
  );
}

/** Add an ISO 8601 duration (P1Y2M3DT4H5M6S, optionally negative) to a date; undefined if malformed. */
export function addDuration(d: Date, duration: string): Date | undefined {
  const m = /^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration);
  if (!m || duration === 'P' || duration.endsWith('T')) return undefined;
  const s = m[1] ? -1 : 1;
  const n = (i: number) => (m[i] ? Number(m[i]) * s : 0);
  const out = new Date(d.getTime());
  out.setUTCFullYear(out.getUTCFullYear() + n(2), out.getUTCMonth() + n(3), out.getUTCDate() + n(4) * 7 + n(5));
  out.setTime(out.getTime() + (n(6) * 3600 + n(7) * 60 + n(8)) * 1000);
  return out;
}
