// Kring's one script. Pages work without it; it only adds small conveniences.
// (Chat arrives here later.) No external requests, no tracking.
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

// "New since your last visit": what you have read is kept in this browser only
// (localStorage), never sent to the server.
const seenKey = (topic) => `kring.seen.${topic}`;
const readSeen = (topic) => {
  try { return localStorage.getItem(seenKey(topic)) || ""; } catch { return ""; }
};
for (const item of document.querySelectorAll("li.topic[data-topic][data-last]")) {
  const seen = readSeen(item.dataset.topic);
  const mark = item.querySelector(".new-mark");
  if (mark && seen && item.dataset.last > seen) mark.hidden = false;
}
const posts = document.querySelector(".posts[data-topic]");
if (posts) {
  const topic = posts.dataset.topic;
  const seen = readSeen(topic);
  let newest = seen;
  for (const post of posts.querySelectorAll("article.post[data-at]")) {
    const mark = post.querySelector(".new-mark");
    if (mark && seen && post.dataset.at > seen) mark.hidden = false;
    if (post.dataset.at > newest) newest = post.dataset.at;
  }
  try { if (newest) localStorage.setItem(seenKey(topic), newest); } catch { /* private mode */ }
}
