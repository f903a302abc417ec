//! AI Avatar Pro's `duration`, `resolution` and `framerate`, typed: each
//! type holds only a value the docs allow, and its `from_*` is the one
//! place a number is checked against the list. A [`crate::ProRequest`]
//! carries the numbers as sent (any whole number), so that validation can
//! name every wrong field at once; it is read typed through its accessors.

use super::Field;

/// The length of an AI Avatar Pro video: a fixed number of seconds, or as
/// long as the audio (billed up to [`super::FOLLOW_AUDIO_CAP_SECONDS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Duration(u32);

impl Duration {
    /// As long as the audio: `duration` `0` on the wire.
    pub const FOLLOW_AUDIO: Duration = Duration(0);
    /// Every allowed value, in the order a picker shows them.
    pub const ALL: [Duration; 8] = [
        Duration::FOLLOW_AUDIO,
        Duration(5),
        Duration(10),
        Duration(15),
        Duration(20),
        Duration(25),
        Duration(30),
        Duration(35),
    ];

    /// The value a `duration` number stands for; `None` when the docs allow no such value.
    pub fn from_wire(number: u32) -> Option<Duration> {
        Duration::ALL.into_iter().find(|d| d.0 == number)
    }

    /// The `duration` number the API reads: the seconds, or `0` to follow the audio.
    pub fn wire(self) -> u32 {
        self.0
    }

    /// The fixed length in seconds; `None` when it follows the audio.
    pub fn fixed_seconds(self) -> Option<u32> {
        (self != Duration::FOLLOW_AUDIO).then_some(self.0)
    }

    /// True when the video is as long as the audio.
    pub fn follows_audio(self) -> bool {
        self == Duration::FOLLOW_AUDIO
    }

    /// How it reads in a picker: "Follow audio" or "10 s".
    pub fn label(self) -> String {
        match self.fixed_seconds() {
            Some(seconds) => format!("{seconds} s"),
            None => "Follow audio".to_owned(),
        }
    }
}

impl Default for Duration {
    /// The provider's default: 10 s.
    fn default() -> Duration {
        Duration(10)
    }
}

/// The long edge of an AI Avatar Pro video, which also sets its rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Resolution {
    /// 720 px, 1.5 credits/s.
    Edge720,
    /// 1280 px, 2 credits/s (the provider's default).
    #[default]
    Edge1280,
    /// 1536 px, 2.5 credits/s.
    Edge1536,
}

impl Resolution {
    /// Every allowed value, smallest first.
    pub const ALL: [Resolution; 3] = [
        Resolution::Edge720,
        Resolution::Edge1280,
        Resolution::Edge1536,
    ];
    /// The largest.
    pub const LARGEST: Resolution = Resolution::Edge1536;
    /// Each one's long edge in pixels and rate in half-credits per second:
    /// the one statement of both, which the billing and the texts read.
    const TABLE: [(u32, u64); 3] = [(720, 3), (1280, 4), (1536, 5)];

    /// The value a `resolution` number stands for; `None` when the docs allow no such value.
    pub fn from_long_edge(pixels: u32) -> Option<Resolution> {
        Resolution::ALL
            .into_iter()
            .find(|r| r.long_edge() == pixels)
    }

    /// The long edge in pixels: the `resolution` number the API reads.
    pub fn long_edge(self) -> u32 {
        Resolution::TABLE[self as usize].0
    }

    /// The rate in half-credits per second (3 is 1.5 credits/s).
    pub fn rate_halves(self) -> u64 {
        Resolution::TABLE[self as usize].1
    }

    /// How it reads in a picker: "1280 px".
    pub fn label(self) -> String {
        format!("{} px", self.long_edge())
    }
}

/// The frame rate of an AI Avatar Pro video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Framerate {
    /// 24 frames per second.
    Fps24,
    /// 25 frames per second (the provider's default).
    #[default]
    Fps25,
    /// 30 frames per second.
    Fps30,
}

impl Framerate {
    /// Every allowed value, slowest first.
    pub const ALL: [Framerate; 3] = [Framerate::Fps24, Framerate::Fps25, Framerate::Fps30];

    /// The value a `framerate` number stands for; `None` when the docs allow no such value.
    pub fn from_fps(fps: u32) -> Option<Framerate> {
        Framerate::ALL.into_iter().find(|f| f.fps() == fps)
    }

    /// Frames per second: the `framerate` number the API reads.
    pub fn fps(self) -> u32 {
        match self {
            Framerate::Fps24 => 24,
            Framerate::Fps25 => 25,
            Framerate::Fps30 => 30,
        }
    }

    /// How it reads in a picker: "25 fps".
    pub fn label(self) -> String {
        format!("{} fps", self.fps())
    }
}

/// What a picker of `field` offers, as `(number sent, text shown)`: the
/// allowed values of Pro's duration, resolution and frame rate; `None` for
/// a field without a fixed list.
pub fn choices(field: Field) -> Option<Vec<(u32, String)>> {
    Some(match field {
        Field::Duration => Duration::ALL.map(|d| (d.wire(), d.label())).into(),
        Field::Resolution => Resolution::ALL.map(|r| (r.long_edge(), r.label())).into(),
        Field::Framerate => Framerate::ALL.map(|f| (f.fps(), f.label())).into(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_docs_values_and_defaults() {
        assert_eq!(
            Duration::ALL.map(Duration::wire),
            [0, 5, 10, 15, 20, 25, 30, 35]
        );
        assert_eq!(
            Resolution::ALL.map(Resolution::long_edge),
            [720, 1280, 1536]
        );
        assert_eq!(Resolution::ALL.map(Resolution::rate_halves), [3, 4, 5]);
        assert_eq!(Framerate::ALL.map(Framerate::fps), [24, 25, 30]);
        assert_eq!(Duration::default().fixed_seconds(), Some(10));
        assert_eq!(Resolution::default().long_edge(), 1280);
        assert_eq!(Framerate::default().fps(), 25);
        assert_eq!(Resolution::LARGEST.long_edge(), 1536);
    }

    #[test]
    fn numbers_round_trip_and_others_are_refused() {
        for d in Duration::ALL {
            assert_eq!(Duration::from_wire(d.wire()), Some(d));
        }
        for r in Resolution::ALL {
            assert_eq!(Resolution::from_long_edge(r.long_edge()), Some(r));
        }
        for f in Framerate::ALL {
            assert_eq!(Framerate::from_fps(f.fps()), Some(f));
        }
        assert_eq!(Duration::from_wire(7), None);
        assert_eq!(Resolution::from_long_edge(1000), None);
        assert_eq!(Framerate::from_fps(60), None);
    }

    #[test]
    fn follow_audio_is_zero_and_reads_in_words() {
        assert!(Duration::FOLLOW_AUDIO.follows_audio());
        assert_eq!(Duration::FOLLOW_AUDIO.fixed_seconds(), None);
        assert_eq!(Duration::FOLLOW_AUDIO.label(), "Follow audio");
        assert_eq!(Duration::from_wire(15).unwrap().label(), "15 s");
        assert_eq!(
            choices(Field::Resolution).unwrap()[0],
            (720, "720 px".to_owned())
        );
        assert_eq!(choices(Field::Framerate).unwrap()[2].1, "30 fps");
        assert_eq!(choices(Field::Duration).unwrap().len(), 8);
        assert_eq!(choices(Field::Width), None);
    }
}
