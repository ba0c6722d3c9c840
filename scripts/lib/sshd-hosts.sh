# Sourced by scripts/demo.sh and bench/delivery_vs_ansible.sh: real sshd "VPSs" on loopback.
#   start_sshd_host NAME DIR CLIENT_PUBKEY   -> sets SSHD_PORT and SSHD_HOSTKEY ("type base64"),
#                                               appends sshd's pid to the caller's pids array
# Each host has its own host key, authorized key file, sshd config and install dir (DIR/install);
# key auth only, root login, StrictModes off because the keys live under /tmp.

. "$(dirname "${BASH_SOURCE[0]}")/proc.sh"  # free_port

start_sshd_host() {
  local name=$1 d=$2 pubkey=$3
  mkdir -p /run/sshd "$d/install"
  ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$d/host_key"
  cp "$pubkey" "$d/authorized_keys"
  SSHD_PORT=$(free_port)
  cat > "$d/sshd_config" <<CFG
ListenAddress 127.0.0.1:$SSHD_PORT
HostKey $d/host_key
AuthorizedKeysFile $d/authorized_keys
PidFile $d/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 200
# This machine's root ~/.bashrc is slow and bash reads it for every command sshd runs (SHLVL
# unset); a VPS's usually is not. Both the controller and Ansible run commands this way.
SetEnv SHLVL=1
Subsystem sftp internal-sftp
CFG
  /usr/sbin/sshd -D -e -f "$d/sshd_config" >"$d/sshd.log" 2>&1 &
  pids+=($!)
  SSHD_HOSTKEY=$(cut -d' ' -f1,2 "$d/host_key.pub")
}

# Agents run detached under their supervisors (pid files in each install dir): stop them too.
stop_supervised_agents() {
  local f
  for f in "$@"; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
}
