# Summarises `strace -c` output as one markdown list item: system calls per request in all, then each call
# made at least 0.01 times per request, most frequent first.
#   awk -v name=LABEL -v requests=N -f scripts/bench-syscalls.awk strace-output.txt
$NF == "total" { total = $4 }
$1 ~ /^[0-9.]+$/ && $NF != "total" { calls[$NF] = $4 }
END {
    if (requests == 0 || total == "") { printf "- %s: no strace figures\n", name; exit }
    printf "- %s: %d syscalls for %d requests = **%.2f per request**:", name, total, requests, total / requests
    n = 0
    for (s in calls) if (calls[s] / requests >= 0.01) list[++n] = s
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (calls[list[j]] > calls[list[i]]) { t = list[i]; list[i] = list[j]; list[j] = t }
    for (i = 1; i <= n; i++) printf "%s %s %.2f", (i == 1 ? "" : ","), list[i], calls[list[i]] / requests
    printf "\n"
}
