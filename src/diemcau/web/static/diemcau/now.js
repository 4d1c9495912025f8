// The home page's "now" panel: every few seconds, the figures from /now.json replace the ones
// shown (elements marked data-now="name"), and the next action follows them. A file, not inline
// script: the Content Security Policy forbids inline code.
(function () {
  "use strict";
  var box = document.querySelector("[data-now-url]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-now-url");
  var every = (parseInt(box.getAttribute("data-refresh"), 10) || 10) * 1000;

  function apply(data) {
    var fields = box.querySelectorAll("[data-now]");
    for (var i = 0; i < fields.length; i += 1) {
      var name = fields[i].getAttribute("data-now");
      if (Object.prototype.hasOwnProperty.call(data, name) && fields[i].textContent !== String(data[name])) {
        fields[i].textContent = data[name];
      }
    }
    var action = box.querySelector("[data-now-action]");
    if (action && data.action_url) {
      action.setAttribute("href", data.action_url);
      action.textContent = data.action_label;
    }
  }

  function tick() {
    fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        apply(data);
        box.removeAttribute("data-stale");
      })
      .catch(function () {
        box.setAttribute("data-stale", "true");
      })
      .then(function () {
        window.setTimeout(tick, every);
      });
  }

  window.setTimeout(tick, every);
})();
