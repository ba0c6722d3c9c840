# Sourced (POSIX sh) by the demo, the sshd-host library and the benchmarks.
#   free_port          a free TCP port on 127.0.0.1
#   cpu_seconds PID [DECIMALS]   utime + stime of a process, in seconds (default 3 decimals)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" -v d="${2:-3}" \
    '{ sub(/.*\) /, ""); split($0, f, " "); printf "%.*f", d, (f[12] + f[13]) / hz }' "/proc/$1/stat"
}
#   tree_cpu_seconds PID...      CPU seconds of these processes and all their descendants:
#                                utime + stime + the times of children already reaped
tree_cpu_seconds() {
  python3 - "$@" <<'PY'
import os, sys
procs = {}  # pid -> (ppid, utime + stime + cutime + cstime in ticks)
for entry in os.listdir("/proc"):
    if not entry.isdigit():
        continue
    try:
        stat = open(f"/proc/{entry}/stat").read()
    except OSError:
        continue  # exited while we looked
    fields = stat[stat.rindex(")") + 2:].split()
    procs[int(entry)] = (int(fields[1]), sum(int(x) for x in fields[11:15]))
roots = {int(a) for a in sys.argv[1:] if a.isdigit()}
ticks = 0
for pid, (ppid, t) in procs.items():
    while pid and pid not in roots:
        pid = procs[pid][0] if pid in procs else 0
    if pid:
        ticks += t
print(f"{ticks / os.sysconf('SC_CLK_TCK'):.2f}")
PY
}
