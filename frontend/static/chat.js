// Kring's chat: makes a room page (/c/{id}) live over the room's websocket. The page works
// without it. Texts and what the policy decided about you come from the page's JSON block
// (#chat-data); nothing here compares roles. A message's body arrives as HTML the server
// sanitised when it was sent (body_html); everything else is inserted as text.
// No external requests, no tracking, nothing kept in the browser.

const block = document.getElementById("chat-data");
if (block) start(JSON.parse(block.textContent));

function start(data) {
  const texts = data.texts;
  const t = (key, values = {}) =>
    (texts[key] ?? key).replace(/\{(\w+)\}/g, (whole, name) =>
      name in values ? String(values[name]) : whole);
  const me = data.me;
  let room = data.room;
  let muted = me.muted;
  let you = null;
  let socket = null;
  let ready = false;
  let attempts = 0;
  let retry = null;
  let stopped = null; // why we no longer connect
  let nickname = null;
  let readySeq = Infinity;
  const pending = new Map(); // client_msg_id -> {element, body}
  const mine = new Set(); // every client_msg_id this page sent

  const $ = (id) => document.getElementById(id);
  const list = $("messages");
  const form = $("chat-form");
  const input = $("chat-body");
  const sendButton = $("chat-send");
  const blocked = $("chat-blocked");
  const status = $("chat-status");
  const notice = $("chat-notice");
  const live = $("chat-live");
  const connection = $("connection");
  const nicknameField = $("nickname-field");
  const nicknameInput = $("chat-nickname");

  const el = (tag, className, text) => {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  // Times in the steunpunt's time zone, like the schedule (and the page without script).
  const format = (rfc3339, options) => {
    const at = new Date(rfc3339);
    try {
      return new Intl.DateTimeFormat(data.lang, { ...options, timeZone: room.time_zone }).format(at);
    } catch {
      return new Intl.DateTimeFormat(data.lang, options).format(at);
    }
  };
  const clock = (at) => format(at, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const dayAndTime = (at) => format(at, {
    weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit",
    hourCycle: "h23",
  });

  const randomId = () => {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };

  // A guest's own key for this page (never stored here; the server keeps only its hash).
  const guestKey = randomId();

  async function api(method, path, body) {
    const init = { method, headers: {}, credentials: "same-origin" };
    if (body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    try {
      return await fetch(path, init);
    } catch {
      return { ok: false, status: 0 };
    }
  }

  const roomPath = () => `/api/v1/rooms/${encodeURIComponent(room.id)}`;

  function say(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }

  function showError(text) {
    status.textContent = text;
    status.hidden = !text;
  }

  // --- The room's state -------------------------------------------------------------

  const scheduleText = (canonical) => {
    if (!canonical.trim()) return null;
    const days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    const names = t("days_short").split(" ");
    return canonical.split(", ").map((slot) => {
      const [day, times] = slot.split(" ");
      const i = days.indexOf(day);
      return `${i >= 0 ? names[i] : day} ${times ?? ""}`.trim();
    }).join(", ");
  };

  function openLine() {
    if (room.open) {
      return room.closes_at ? t("state_open_until", { time: clock(room.closes_at) }) : t("state_open");
    }
    return room.opens_at ? t("state_closed_next", { when: dayAndTime(room.opens_at) }) : t("state_closed");
  }

  function setRoom(view) {
    room = view;
    $("room-name").textContent = room.name;
    const schedule = scheduleText(room.schedule);
    if (schedule) $("room-schedule").textContent = schedule;
    $("room-open").textContent = openLine();
    $("room-locked").hidden = !room.locked;
    const slow = $("room-slow");
    slow.hidden = room.slow_mode_secs === 0;
    slow.textContent = t("state_slow", { secs: room.slow_mode_secs });
    // The leaders' buttons say what they will do now.
    const session = document.querySelector("form[data-api=session]");
    if (session) {
      session.elements.open.value = room.open ? "no" : "yes";
      const b = $("session-button");
      b.textContent = room.open ? b.dataset.closeLabel : b.dataset.openLabel;
    }
    const lock = document.querySelector("form[data-api=lock]");
    if (lock) {
      lock.elements.locked.value = room.locked ? "no" : "yes";
      const b = $("lock-button");
      b.textContent = room.locked ? b.dataset.unlockLabel : b.dataset.lockLabel;
    }
    const slowSelect = $("slow_mode_secs");
    if (slowSelect && [...slowSelect.options].some((o) => Number(o.value) === room.slow_mode_secs)) {
      slowSelect.value = String(room.slow_mode_secs);
    }
    updateForm();
  }

  const denied = {
    login_required: () => t("error_login_required"),
    membership_required: () => t("error_membership_required"),
  };

  // Why you cannot write now, or null.
  function whyNot() {
    if (stopped) return stopped;
    if (me.write_denied) return (denied[me.write_denied] ?? (() => t("error_forbidden")))();
    if (muted) return t("muted_now");
    if (!room.open) return openLine();
    if (room.locked && !me.writes_when_locked) return t("state_locked");
    return null;
  }

  function updateForm() {
    const why = whyNot();
    sendButton.disabled = why !== null;
    input.disabled = stopped !== null || Boolean(me.write_denied);
    blocked.textContent = why ?? "";
    blocked.hidden = why === null;
    nicknameField.hidden = !(me.guest && !me.write_denied && !stopped);
    nicknameInput.readOnly = Boolean(nickname && ready);
  }

  // --- Messages ---------------------------------------------------------------------

  let lastSeq = 0;
  for (const item of list.querySelectorAll("li.message[data-seq]")) {
    lastSeq = Math.max(lastSeq, Number(item.dataset.seq));
  }

  const own = (m) =>
    (m.client_msg_id && mine.has(m.client_msg_id)) ||
    Boolean(you && m.author_id && m.author_id === you.id);

  const mayDelete = (m) =>
    me.delete_any || (me.delete_own && Boolean(m.author_id) && m.author_id === me.id);

  function deleteForm(id) {
    // The same form the page has without script; the script sends it to the API instead.
    const f = el("form", "delete-message");
    f.method = "post";
    f.action = `/m/${encodeURIComponent(id)}/delete`;
    const hidden = el("input");
    hidden.type = "hidden";
    hidden.name = "room";
    hidden.value = room.id;
    const button = el("button", "link", t("delete"));
    button.type = "submit";
    f.append(hidden, button);
    return f;
  }

  function messageElement(m) {
    const li = el("li", m.author_kind === "leader" ? "message by-leader" : "message");
    li.id = `m-${m.id}`;
    li.dataset.id = m.id;
    li.dataset.seq = String(m.seq);
    const meta = el("p", "message-meta");
    const name = m.author_kind === "former_member" ? t("former_member") : m.author;
    meta.append(el("strong", "author", name));
    const badge = { leader: t("leader_badge"), guest: t("guest_badge") }[m.author_kind];
    if (badge) meta.append(" ", el("span", "tag", badge));
    const time = el("time", null, clock(m.sent_at));
    time.dateTime = m.sent_at;
    meta.append(" ", time);
    const body = el("div", "body");
    body.innerHTML = m.body_html; // sanitised by the server when it was sent
    li.append(meta, body);
    if (mayDelete(m)) li.append(deleteForm(m.id));
    return li;
  }

  const nearBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const toBottom = () => { list.scrollTop = list.scrollHeight; };

  const plain = (html) => {
    const text = new DOMParser().parseFromString(html, "text/html").body.textContent ?? "";
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  };

  function announce(text) {
    // Cleared first, so that the same words twice are still read out.
    live.textContent = "";
    setTimeout(() => { live.textContent = text; }, 50);
  }

  function addMessage(m) {
    const waiting = m.client_msg_id && pending.get(m.client_msg_id);
    if (waiting) {
      waiting.element.remove();
      pending.delete(m.client_msg_id);
    }
    // Every message once: what a reconnect or the page itself already showed is dropped.
    if (m.seq <= lastSeq || document.getElementById(`m-${m.id}`)) return;
    lastSeq = m.seq;
    const follow = nearBottom() || own(m);
    list.insertBefore(messageElement(m), list.querySelector("li.pending"));
    $("no-messages").hidden = true;
    if (follow) toBottom();
    if (m.seq > readySeq && !own(m)) {
      const name = m.author_kind === "former_member" ? t("former_member") : m.author;
      announce(t("new_message", { author: name, text: plain(m.body_html) }));
    }
  }

  function removeMessage(id, seq) {
    const item = id ? document.getElementById(`m-${id}`) : list.querySelector(`li.message[data-seq="${Number(seq)}"]`);
    item?.remove();
    $("no-messages").hidden = list.querySelector("li.message") !== null;
  }

  function transmit(id, body) {
    if (socket && ready) {
      socket.send(JSON.stringify({ type: "send", body, client_msg_id: id }));
    }
  }

  function send(body) {
    const id = randomId();
    mine.add(id);
    const li = el("li", "message pending");
    li.dataset.clientId = id;
    const meta = el("p", "message-meta");
    meta.append(el("strong", "author", you?.name || nickname || ""), " ", el("span", "pending-mark", t("sending")));
    const text = el("div", "body");
    text.append(el("p", "typed", body));
    li.append(meta, text);
    list.append(li);
    $("no-messages").hidden = true;
    toBottom();
    pending.set(id, { element: li, body });
    transmit(id, body);
  }

  // A send the server refused: the pending message goes, its text back into the field.
  function refused(frame) {
    const waiting = frame.client_msg_id && pending.get(frame.client_msg_id);
    if (waiting) {
      waiting.element.remove();
      pending.delete(frame.client_msg_id);
      if (!input.value.trim()) input.value = waiting.body;
    }
    const secs = frame.retry_after ?? room.slow_mode_secs;
    const messages = {
      room_closed: () => frame.opens_at
        ? t("error_room_closed_next", { when: dayAndTime(frame.opens_at) })
        : t("error_room_closed"),
      room_locked: () => t("error_room_locked"),
      forbidden: () => t("error_forbidden"),
      slow_mode: () => t("error_slow_mode", { secs }),
      rate_limited: () => t("error_rate_limited"),
      body_too_long: () => t("error_body_too_long"),
      body_empty: () => t("error_body_empty"),
      nickname_required: () => t("error_nickname_required"),
      login_required: () => t("error_login_required"),
      membership_required: () => t("error_membership_required"),
    };
    showError((messages[frame.error] ?? (() => t("error_generic")))());
    if (frame.error === "forbidden") muted = true;
    updateForm();
  }

  // --- Presence ---------------------------------------------------------------------

  const present = $("present");

  function moderationTools(p) {
    const details = el("details", "participant-tools");
    details.append(el("summary", null, p.guest ? t("remove") : `${t("mute")} / ${t("remove")}`));
    const f = el("form", "stack");
    const reasonId = `reason-${p.id.replace(/[^\w-]/g, "_")}`;
    const reasonLabel = el("label", null, t("reason"));
    reasonLabel.htmlFor = reasonId;
    const reason = el("input");
    reason.id = reasonId;
    reason.name = "reason";
    reason.maxLength = 500;
    const minutesId = `minutes-${p.id.replace(/[^\w-]/g, "_")}`;
    const minutesLabel = el("label", null, t("minutes"));
    minutesLabel.htmlFor = minutesId;
    const minutes = el("select");
    minutes.id = minutesId;
    minutes.name = "minutes";
    for (const [value, label] of [[15, t("minutes_15")], [60, t("minutes_60")], [1440, t("minutes_1440")]]) {
      const option = el("option", null, label);
      option.value = String(value);
      minutes.append(option);
    }
    minutes.value = "60";
    const buttons = el("div", "actions");
    if (!p.guest) {
      const mute = el("button", "secondary mute", t("confirm_mute"));
      mute.type = "submit";
      mute.value = "mute";
      buttons.append(mute);
    }
    const remove = el("button", "danger remove", t("confirm_remove"));
    remove.type = "submit";
    remove.value = "remove";
    buttons.append(remove);
    f.append(reasonLabel, reason, minutesLabel, minutes, buttons);
    f.addEventListener("submit", async (event) => {
      event.preventDefault();
      const action = event.submitter?.value === "remove" ? "remove" : "mute";
      const body = { minutes: Number(minutes.value) };
      if (reason.value.trim()) body.reason = reason.value.trim();
      const path = `${roomPath()}/participants/${encodeURIComponent(p.id)}/${action}`;
      const response = await api("POST", path, body);
      if (response.ok) {
        reason.value = "";
        details.open = false;
      } else {
        say(t("action_failed"));
      }
    });
    details.append(f);
    return details;
  }

  function participantElement(p) {
    const li = el("li", "participant");
    li.dataset.participant = p.id;
    li.append(el("span", "name", p.name));
    if (p.leader) li.append(" ", el("span", "tag", t("leader_badge")));
    if (p.guest) li.append(" ", el("span", "tag", t("guest_badge")));
    if (you && p.id === you.id) li.append(" ", el("span", "tag you", t("you")));
    else if (me.moderate && !p.leader) li.append(moderationTools(p));
    return li;
  }

  // Who is here: the whole list once after connecting, then what changed.
  let roster = new Map();

  function showPresence(frame) {
    if (frame.present) {
      roster = new Map(frame.present.map((p) => [p.id, p]));
    } else {
      for (const id of frame.left || []) roster.delete(id);
      for (const p of frame.joined || []) roster.set(p.id, p);
    }
    const everyone = [...roster.values()].sort(
      (a, b) => (b.leader - a.leader) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
    $("presence").hidden = false;
    const leader = $("leader-presence");
    leader.textContent = frame.leader_present ? t("leader_present") : t("no_leader");
    leader.className = frame.leader_present ? "leader-here" : "no-leader";
    $("presence-count").textContent = t("present_count", { count: frame.count });
    // Keyed, so that a leader's half-filled form survives someone else arriving.
    const shown = new Map([...present.children].map((li) => [li.dataset.participant, li]));
    for (const [id, li] of shown) if (!roster.has(id)) li.remove();
    let before = null;
    for (const p of everyone.reverse()) {
      let li = shown.get(p.id);
      if (!li || li.dataset.name !== p.name) {
        li?.remove();
        li = participantElement(p);
        li.dataset.name = p.name;
      }
      present.insertBefore(li, before);
      before = li;
    }
  }

  // --- The connection ---------------------------------------------------------------

  function stop(why) {
    stopped = why;
    clearTimeout(retry);
    for (const { element } of pending.values()) element.remove();
    pending.clear();
    say(why);
    connection.textContent = t("disconnected");
    $("presence").hidden = true;
    const old = socket;
    socket = null;
    ready = false;
    if (old) old.close(1000);
    updateForm();
  }

  const closedWith = {
    removed: () => t("removed"),
    banned: () => t("banned"),
    left: () => t("left"),
    role_changed: () => t("role_changed"),
    room_deleted: () => t("room_deleted"),
  };

  function notified(frame) {
    if (frame.room) setRoom(frame.room);
    const secs = room.slow_mode_secs;
    switch (frame.kind) {
      case "opened": say(t("opened")); break;
      case "closed": say(room.opens_at ? t("state_closed_next", { when: dayAndTime(room.opens_at) }) : t("closed")); break;
      case "locked": say(t("locked")); break;
      case "unlocked": say(t("unlocked")); break;
      case "slow_mode": say(secs ? t("slow_mode_on", { secs }) : t("slow_mode_off")); break;
      case "changed": say(t("changed")); break;
      case "muted":
        muted = true;
        say(frame.reason ? t("muted_reason", { reason: frame.reason }) : t("muted"));
        break;
      case "unmuted":
        muted = false;
        showError("");
        say(t("unmuted"));
        break;
      case "removed":
        stop(frame.reason ? t("removed_reason", { reason: frame.reason }) : t("removed"));
        break;
      case "banned": stop(t("banned")); break;
      case "left": stop(t("left")); break;
      case "room_deleted": stop(t("room_deleted")); break;
      default: break;
    }
    updateForm();
  }

  function handle(frame) {
    switch (frame.type) {
      case "ready":
        ready = true;
        attempts = 0;
        you = frame.you;
        readySeq = frame.last_seq;
        connection.textContent = t("connected");
        setRoom(frame.room);
        // What was typed while the line was down goes now (the server keeps each once).
        for (const [id, { body }] of pending) transmit(id, body);
        break;
      case "message": addMessage(frame); break;
      case "deleted": removeMessage(frame.id, frame.seq); break;
      case "notice": notified(frame); break;
      case "presence": showPresence(frame); break;
      case "error": refused(frame); break;
      default: break;
    }
  }

  function reconnectLater() {
    // 1, 2, 4 ... 30 seconds, a little at random so a room does not come back all at once.
    const delay = Math.min(30000, 1000 * 2 ** attempts) * (0.75 + Math.random() / 2);
    attempts += 1;
    clearTimeout(retry);
    retry = setTimeout(connect, delay);
  }

  function connect() {
    if (stopped) return;
    clearTimeout(retry);
    const url = new URL(`${roomPath()}/ws`, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("since", String(lastSeq));
    if (nickname) {
      url.searchParams.set("nickname", nickname);
      // The same key on every reconnect: a message resent after one is still kept once.
      url.searchParams.set("guest_key", guestKey);
    }
    connection.textContent = t("connecting");
    const ws = new WebSocket(url);
    socket = ws;
    let greeted = false;
    ws.addEventListener("message", (event) => {
      if (socket !== ws) return;
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      if (frame.type === "ready") greeted = true;
      handle(frame);
    });
    ws.addEventListener("close", (event) => {
      if (socket !== ws) return; // replaced or stopped on purpose
      socket = null;
      ready = false;
      updateForm();
      if (stopped) return;
      if (event.code === 4003 || event.code === 4004) {
        stop((closedWith[event.reason] ?? (() => (event.code === 4004 ? t("room_deleted") : t("access_lost"))))());
        return;
      }
      if (!greeted && nickname) {
        // A guest's nickname is checked at the handshake: taken or against the rules.
        nickname = null;
        for (const [, { element, body }] of pending) {
          element.remove();
          if (!input.value.trim()) input.value = body;
        }
        pending.clear();
        showError(t("nickname_refused"));
        nicknameInput.focus();
      }
      connection.textContent = t("reconnecting");
      if (event.code === 4000) {
        // Asked to catch up: at once, from the last seq.
        attempts = 0;
        retry = setTimeout(connect, 100);
      } else {
        reconnectLater();
      }
    });
  }

  function restart() {
    const old = socket;
    socket = null;
    ready = false;
    if (old) old.close(1000);
    connect();
  }

  // --- Wiring -----------------------------------------------------------------------

  $("needs-js").hidden = true;
  form.hidden = false;
  input.maxLength = data.max_chars;

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = input.value;
    if (!body.trim() || whyNot() !== null) return;
    if (me.guest && !nickname) {
      const name = nicknameInput.value.trim();
      if (!name) {
        showError(t("error_nickname_required"));
        nicknameInput.focus();
        return;
      }
      nickname = name;
      send(body);
      restart();
    } else {
      send(body);
    }
    input.value = "";
    showError("");
    input.focus();
  });

  // With a keyboard, Enter sends and Shift+Enter starts a new line; on a touch screen
  // Enter is a new line and the button sends.
  const keyboard = window.matchMedia("(pointer: fine)").matches;
  input.addEventListener("keydown", (event) => {
    if (keyboard && event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  list.addEventListener("submit", async (event) => {
    const f = event.target.closest("form.delete-message");
    if (!f) return;
    event.preventDefault();
    const item = f.closest("li.message");
    const response = await api("DELETE", `/api/v1/messages/${encodeURIComponent(item.dataset.id)}`);
    if (response.ok || response.status === 404) removeMessage(item.dataset.id);
    else say(t("action_failed"));
  });

  // The leaders' forms go to the API; the answer is the room's state now.
  for (const f of document.querySelectorAll("form[data-api]")) {
    f.addEventListener("submit", async (event) => {
      event.preventDefault();
      let response;
      if (f.dataset.api === "session") {
        response = await api("POST", `${roomPath()}/session`, { open: f.elements.open.value === "yes" });
      } else if (f.dataset.api === "lock") {
        response = await api("PATCH", roomPath(), { locked: f.elements.locked.value === "yes" });
      } else {
        response = await api("PATCH", roomPath(), { slow_mode_secs: Number(f.elements.slow_mode_secs.value) });
      }
      if (response.ok) setRoom(await response.json());
      else say(t("action_failed"));
    });
  }

  window.addEventListener("online", () => {
    if (!socket && !stopped) {
      attempts = 0;
      connect();
    }
  });

  updateForm();
  toBottom();
  connect();
}
