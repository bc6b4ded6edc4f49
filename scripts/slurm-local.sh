#!/usr/bin/env bash
# A real single-node Slurm for the integration test (test/study/slurm-real.spec.ts), on Debian's slurm-wlm
# and munge, as root, without systemd:
#   scripts/slurm-local.sh start DIR   # munged (if not running), slurmctld and slurmd with state under DIR
#   scripts/slurm-local.sh stop DIR    # stops the daemons started for DIR
# Install first: apt-get install -y slurm-wlm munge. Writes /etc/slurm/slurm.conf (Slurm reads it there).
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?state folder}
host=$(hostname)

stop() {
  for d in slurmd slurmctld; do
    if [ -f "$dir/$d.pid" ]; then kill "$(cat "$dir/$d.pid")" 2>/dev/null || true; fi
  done
  if [ -f "$dir/munged.started" ]; then pkill -x munged 2>/dev/null || true; rm -f "$dir/munged.started"; fi
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "slurm-local: needs root (slurmd runs jobs as their users)" >&2; exit 1; }
command -v slurmctld >/dev/null && command -v munged >/dev/null || { echo "slurm-local: install slurm-wlm and munge" >&2; exit 1; }
mkdir -p "$dir/spool/ctld" "$dir/spool/d" "$dir/log"

if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  mkdir -p /etc/munge /run/munge /var/log/munge /var/lib/munge
  [ -s /etc/munge/munge.key ] || head -c 1024 /dev/urandom > /etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key /run/munge /var/log/munge /var/lib/munge
  chmod 400 /etc/munge/munge.key
  su -s /bin/sh munge -c /usr/sbin/munged
  touch "$dir/munged.started"
  for _ in $(seq 1 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
fi

cpus=$(nproc)
mkdir -p /etc/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=local
SlurmctldHost=$host
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmUser=root
ReturnToService=2
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
StateSaveLocation=$dir/spool/ctld
SlurmdSpoolDir=$dir/spool/d
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld
slurmd
for _ in $(seq 1 100); do
  if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then echo "slurm-local: node $host up ($dir)"; exit 0; fi
  sleep 0.2
done
echo "slurm-local: the node did not come up; logs in $dir/log" >&2
stop
exit 1
