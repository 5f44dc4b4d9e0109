// The live preview of the compose form: as the post is typed, what each chosen channel will
// publish (signature included) comes from the server's own preview, the code that publishes it.
// The form works without it: its "Preview" button shows the same.
(function () {
  var form = document.getElementById("compose-form");
  if (!form) return;
  var section = document.querySelector("section.preview");
  var out = document.getElementById("previews");
  var problem = document.getElementById("preview-error");
  var timer = null;
  var asked = 0;

  function words(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return String(values[key]); });
  }

  function fields() {
    var data = new FormData(form);
    return {
      client_id: data.get("client_id") || "",
      channel_ids: data.getAll("channel_ids"),
      title: data.get("title") || "",
      body: data.get("body") || "",
      link: data.get("link") || "",
      date: data.get("date") || "",
      time: data.get("time") || "",
    };
  }

  function card(preview) {
    var article = document.createElement("article");
    article.className = "preview-card";
    var heading = document.createElement("h3");
    heading.textContent = preview.name;
    var text = document.createElement("p");
    text.className = "preview-text";
    if (preview.title) {
      var title = document.createElement("strong");
      title.textContent = preview.title;
      text.appendChild(title);
      text.appendChild(document.createTextNode("\n"));
    }
    text.appendChild(document.createTextNode(preview.text));
    var count = document.createElement("p");
    count.className = "hint";
    count.textContent = preview.max_length
      ? words(section.dataset.charsMax, {length: preview.length, maximum: preview.max_length})
      : words(section.dataset.chars, {length: preview.length});
    if (!preview.fits) {
      var bad = document.createElement("strong");
      bad.className = "bad";
      bad.textContent = " · " + section.dataset.tooLong;
      count.appendChild(bad);
    }
    article.append(heading, text, count);
    return article;
  }

  function refresh() {
    var sent = fields();
    if (!sent.body.trim() || !sent.channel_ids.length) return;
    var mine = ++asked;
    fetch(form.dataset.preview, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": form.querySelector("input[name=csrftoken]").value,
      },
      body: JSON.stringify(sent),
    })
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        if (mine !== asked) return;
        if (answer.previews) {
          problem.textContent = "";
          out.replaceChildren.apply(out, answer.previews.map(card));
        } else {
          problem.textContent = typeof answer.error === "string" ? answer.error : "";
        }
      })
      .catch(function () {});
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  refresh();
})();
