# Turns scripts/bench.sh's results (tab-separated: workers, target, round, req/s, p50 µs, p99 µs, errors, CPU µs
# per request) into the markdown table rows: medians of the rounds, the best round, and the ratios to nginx at the
# same workers (a `-handshake` target, a new TLS connection per request, to `nginx-handshake`).
# "paired" is the median over rounds of (this target's req/s / nginx's req/s in the same round): each pair ran
# within seconds of each other, so it is the ratio least moved by load that changes over minutes.
#   awk -F'\t' -f scripts/bench-table.awk results.tsv
function median(list,    n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function maximum(list,    n, a, i, m) {
    n = split(list, a, " "); m = a[1] + 0
    for (i = 2; i <= n; i++) if (a[i] + 0 > m) m = a[i] + 0
    return m
}
function duration(us) { return us >= 1000 ? sprintf("%.2f ms", us / 1000) : sprintf("%.0f µs", us) }
{
    key = $1 SUBSEP $2
    if (!(key in rps)) { order[++n] = key }
    perround[key, $3] = $4
    rps[key] = rps[key] " " $4; p50[key] = p50[key] " " $5; p99[key] = p99[key] " " $6; errors[key] += $7
    cpu[key] = cpu[key] " " $8
    rounds[key] = rounds[key] (rounds[key] == "" ? "" : ", ") sprintf("%.0f", $4)
}
END {
    for (i = 1; i <= n; i++) { k = order[i]; mr[k] = median(rps[k]); m99[k] = median(p99[k]); best[k] = maximum(rps[k]) }
    for (i = 1; i <= n; i++) {
        k = order[i]; split(k, parts, SUBSEP); base = parts[1] SUBSEP (parts[2] ~ /-handshake$/ ? "nginx-handshake" : "nginx")
        paired = ""
        for (r = 1; (k, r) in perround; r++) if ((base, r) in perround) paired = paired " " perround[k, r] / perround[base, r]
        c = median(cpu[k]) + 0
        cpuText = "–"
        if (c > 0) cpuText = sprintf("%.1f µs", c)
        printf "| %s | %s | %.0f | %s | %s | %.2f× | %.2f× | %.2f× | %.0f | %.2f× | %s | %s | %d |\n", parts[1], parts[2], mr[k],
            duration(median(p50[k])), duration(m99[k]), mr[k] / mr[base], median(paired), m99[k] / m99[base],
            best[k], best[k] / best[base], cpuText, rounds[k], errors[k]
    }
}
