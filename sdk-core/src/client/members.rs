//! Presence channel members, with pusher-js's `Members` semantics: the list the
//! subscription starts with, updated by member_added/removed, and `me` taken
//! from the list when the subscription succeeds.

use crate::frame::PresenceData;

/// One member of a presence channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The user's id.
    pub id: String,
    /// The user's info as raw JSON (`None` when the server sent none).
    pub info: Option<String>,
}

/// The members of one presence channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Members {
    /// `(id, info)` in insertion order (at most 100 members: a Vec is smallest).
    entries: Vec<(String, Option<String>)>,
    count: u64,
    my_id: Option<String>,
    me: Option<Member>,
}

impl Members {
    /// How many members there are.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The member with this id.
    pub fn get(&self, id: &str) -> Option<Member> {
        self.entries
            .iter()
            .find(|(key, _)| key == id)
            .map(|(_, info)| Member {
                id: id.to_owned(),
                info: info.clone(),
            })
    }

    /// Every member, in the order a JavaScript object would list their ids
    /// (array-index-like ids ascending, then the rest in insertion order), so
    /// `each` visits members as pusher-js does.
    pub fn each(&self) -> Vec<Member> {
        // Array-index ids first, ascending (an insertion sort: at most 100
        // members, and no sort routine in the browser build), then the rest in
        // insertion order.
        let mut indexed: Vec<(u32, &(String, Option<String>))> = Vec::new();
        let mut rest = Vec::new();
        for entry in &self.entries {
            match array_index(&entry.0) {
                Some(index) => {
                    let at = indexed
                        .iter()
                        .position(|(i, _)| *i > index)
                        .unwrap_or(indexed.len());
                    indexed.insert(at, (index, entry));
                }
                None => rest.push(entry),
            }
        }
        indexed
            .into_iter()
            .map(|(_, entry)| entry)
            .chain(rest)
            .map(|(id, info)| Member {
                id: id.clone(),
                info: info.clone(),
            })
            .collect()
    }

    /// This connection's own member, once the subscription succeeded.
    pub fn me(&self) -> Option<&Member> {
        self.me.as_ref()
    }

    /// This connection's own user id, known from the authorization.
    pub fn my_id(&self) -> Option<&str> {
        self.my_id.as_deref()
    }

    pub(crate) fn set_my_id(&mut self, id: Option<String>) {
        self.my_id = id;
    }

    pub(crate) fn on_subscription(&mut self, data: PresenceData) {
        self.entries.clear();
        for (id, info) in data.members {
            match self.entries.iter_mut().find(|(key, _)| *key == id) {
                Some(entry) => entry.1 = info,
                None => self.entries.push((id, info)),
            }
        }
        self.count = data.count;
        self.me = self.my_id.as_deref().and_then(|id| self.get(id));
    }

    /// Adds or updates a member; returns it as stored.
    pub(crate) fn add(&mut self, id: String, info: Option<String>) -> Member {
        match self.entries.iter_mut().find(|(key, _)| *key == id) {
            Some(entry) => entry.1 = info.clone(),
            None => {
                self.count += 1;
                self.entries.push((id.clone(), info.clone()));
            }
        }
        Member { id, info }
    }

    /// Removes a member; returns it if it was there.
    pub(crate) fn remove(&mut self, id: &str) -> Option<Member> {
        let index = self.entries.iter().position(|(key, _)| key == id)?;
        let (_, info) = self.entries.remove(index);
        self.count = self.count.saturating_sub(1);
        Some(Member {
            id: id.to_owned(),
            info,
        })
    }

    pub(crate) fn reset(&mut self) {
        *self = Members::default();
    }
}

/// The numeric value of an id JavaScript treats as an array index.
fn array_index(id: &str) -> Option<u32> {
    if id == "0" {
        return Some(0);
    }
    if id.starts_with('0') || id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse::<u32>().ok().filter(|&n| n != u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_pusher_js_counting_and_order() {
        let mut m = Members::default();
        m.set_my_id(Some("b".into()));
        m.on_subscription(PresenceData {
            members: vec![
                ("b".into(), None),
                ("10".into(), None),
                ("a".into(), None),
                ("2".into(), None),
            ],
            count: 4,
        });
        assert_eq!(m.me().map(|me| me.id.as_str()), Some("b"));
        let order: Vec<String> = m.each().into_iter().map(|x| x.id).collect();
        assert_eq!(order, ["2", "10", "b", "a"]);
        m.add("a".into(), Some("{}".into()));
        assert_eq!(m.count(), 4, "re-adding a member does not count twice");
        m.add("c".into(), None);
        assert_eq!(m.count(), 5);
        assert!(m.remove("zz").is_none());
        assert_eq!(m.remove("c").map(|x| x.id), Some("c".into()));
        assert_eq!(m.count(), 4);
        m.reset();
        assert_eq!(m.count(), 0);
        assert!(m.my_id().is_none());
    }
}
