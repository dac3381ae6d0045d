-- The forum: topics, posts, reports, the notice board (prikbord), and the notes that tell
-- an author why a held post was not published. Opaque random ids; no counters of any kind
-- that are shown (approved_posts only decides pre-moderation and is never shown).

-- Pre-moderation per group: none, the first N posts of each new member, or all posts;
-- guests' posts in open groups are held unless a leader turns that off.
ALTER TABLE groups ADD COLUMN premoderation TEXT NOT NULL DEFAULT 'none';
ALTER TABLE groups ADD COLUMN premoderation_posts INTEGER NOT NULL DEFAULT 3;
ALTER TABLE groups ADD COLUMN hold_guest_posts BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE memberships ADD COLUMN approved_posts INTEGER NOT NULL DEFAULT 0;

-- What a member sees of why: the category of the report a leader acted on, if any.
ALTER TABLE modlog ADD COLUMN category TEXT;

CREATE TABLE topics (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    -- Empty once its opener erased their words and others' replies stay: shown neutrally.
    title TEXT NOT NULL,
    pinned BOOLEAN NOT NULL DEFAULT FALSE,
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    -- The opening post waits for a leader: the topic is seen only by its author and leaders.
    held BOOLEAN NOT NULL,
    -- The opener's membership while it exists (to show "yours" and erase with it).
    author_membership TEXT REFERENCES memberships(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    last_post_at BIGINT NOT NULL
);
CREATE INDEX topics_list ON topics(group_id, pinned, last_post_at, id);
CREATE INDEX topics_author ON topics(author_membership);

CREATE TABLE posts (
    id TEXT PRIMARY KEY NOT NULL,
    topic_id TEXT NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    -- NULL for a guest (then guest_name is set) or once the author left or erased their
    -- account and chose to keep their posts: shown as "former member".
    author_membership TEXT REFERENCES memberships(id) ON DELETE SET NULL,
    guest_name TEXT,
    body_markdown TEXT NOT NULL,
    -- Rendered and sanitised at write time; pages print it as it is.
    body_html TEXT NOT NULL,
    content_warning TEXT,
    -- visible, held (waits for a leader) or hidden (by a leader).
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    edited BOOLEAN NOT NULL DEFAULT FALSE,
    -- The post's place in its topic (1, 2, ...; gaps after deletions): the page order.
    position BIGINT NOT NULL
);
CREATE UNIQUE INDEX posts_page ON posts(topic_id, position);
CREATE INDEX posts_author ON posts(author_membership);
CREATE INDEX posts_queue ON posts(group_id, state);

-- A member's report of a post; gone with the post, or when a leader settles it.
CREATE TABLE reports (
    id TEXT PRIMARY KEY NOT NULL,
    post_id TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    -- Never shown to anyone; one report per member and post, and the reporter's export.
    reporter_membership TEXT REFERENCES memberships(id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    note TEXT,
    escalated BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    UNIQUE (post_id, reporter_membership)
);
CREATE INDEX reports_queue ON reports(group_id, reason);

-- The notice board: leaders' announcements, until taken down or expired. No author.
CREATE TABLE announcements (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX announcements_group ON announcements(group_id, expires_at);

-- Why a held post was not published, for its author's eyes only, until they dismiss it.
CREATE TABLE post_rejections (
    id TEXT PRIMARY KEY NOT NULL,
    membership_id TEXT NOT NULL REFERENCES memberships(id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    topic_title TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_on TEXT NOT NULL
);
CREATE INDEX post_rejections_member ON post_rejections(membership_id);
