# Sourced (POSIX sh) by the demo, the sshd-host library and the benchmarks.
#   free_port          a free TCP port on 127.0.0.1
#   cpu_seconds PID [DECIMALS]   utime + stime of a process, in seconds (default 3 decimals)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" -v d="${2:-3}" \
    '{ sub(/.*\) /, ""); split($0, f, " "); printf "%.*f", d, (f[12] + f[13]) / hz }' "/proc/$1/stat"
}
