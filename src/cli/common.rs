//! Flags that `analyze` and `report` share, defined once and flattened into
//! both, so that a run reads the same way whichever command looks at it:
//! how tag times are read, which sport counts, and `-q`.

use clap::Args as ClapArgs;
use cramplab::config::{Config, SportFilter};

/// The flags `analyze` and `report` have in common.
#[derive(Debug, ClapArgs)]
pub struct CommonArgs {
    /// Relative tag times (+m:ss) are timer time as the watch shows it (pauses excluded).
    #[arg(long)]
    pub timer_offsets: bool,
    /// FIT manual lap presses are cramp tags: onset and end in pairs.
    #[arg(long)]
    pub lap_tags: bool,
    /// Which sport to analyse: running (trail and treadmill count, and files
    /// that state no sport), all, or a sport name.
    #[arg(long, value_name = "SPORT", default_value_t = SportFilter::default(), value_parser = parse_sport)]
    pub sport: SportFilter,
    /// Print only errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--sport`: every name is accepted (an unknown one matches no activity).
fn parse_sport(s: &str) -> Result<SportFilter, std::convert::Infallible> {
    Ok(SportFilter::parse(s))
}

impl CommonArgs {
    /// Set what these flags decide in `cfg`.
    pub fn apply(&self, cfg: &mut Config) {
        cfg.tag_options.timer_offsets = self.timer_offsets;
        cfg.tag_options.lap_tags = self.lap_tags;
        cfg.sport = self.sport.clone();
    }
}
