//! The machine's load while a section measures, printed with every figure (the benchmarks share
//! the cores with whatever else runs).

/// What else the machine did while a section ran: the 1-minute load average at its end, and how
/// busy the cores were with work that was not this process's.
#[allow(
    dead_code,
    reason = "the wiremock bench measures processes of its own, not its load"
)]
pub(crate) struct Load {
    machine: (u64, u64),
    own: u64,
}

#[allow(
    dead_code,
    reason = "the wiremock bench measures processes of its own, not its load"
)]
impl Load {
    /// Starts watching.
    pub(crate) fn start() -> Load {
        Load {
            machine: machine_jiffies(),
            own: own_jiffies(),
        }
    }

    /// What happened since the start, in a line.
    pub(crate) fn finish(self) -> String {
        let (busy, total) = machine_jiffies();
        let own = own_jiffies() - self.own;
        let (busy, total) = (busy - self.machine.0, (total - self.machine.1).max(1));
        let others = busy.saturating_sub(own) as f64 / total as f64;
        let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        format!(
            "loadavg {} (1/5/15 min); cores busy with other processes {:.0}% of the time, with this one {:.0}%",
            loadavg
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" "),
            others * 100.0,
            own as f64 / total as f64 * 100.0
        )
    }
}

/// (busy, total) jiffies of all cores, from /proc/stat.
fn machine_jiffies() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let total: u64 = fields.iter().sum();
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// This process's CPU time in jiffies (user + system, all threads), its children's included.
fn own_jiffies() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces), from field 3 on.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = rest
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    // utime, stime, cutime and cstime are fields 14 to 17; `rest` starts at field 3, and field
    // 3 (state) is not a number, so they are at 10 to 13 here.
    fields.iter().skip(10).take(4).sum()
}
