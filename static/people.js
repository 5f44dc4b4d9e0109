// The name check of the "Add a person" form, as the name is typed. The form works without it:
// the same check runs when the form is sent.
(function () {
  var input = document.querySelector("input[data-name-check]");
  if (!input) return;
  var out = document.getElementById(input.id + "-check");
  var timer = null;
  var asked = "";
  function check() {
    var name = input.value.trim();
    if (name === asked) return;
    asked = name;
    if (!name) { out.textContent = ""; return; }
    fetch(input.dataset.nameCheck + "?full_name=" + encodeURIComponent(name), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (result) {
        if (!result || name !== asked) return;
        out.textContent = result.message;
        out.className = result.verdict === "accept" ? "hint" : "field-error";
      })
      .catch(function () {});
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
})();
