/* Live progress of background runs ("Proses latar").
 *
 * Every element with data-progress-url and data-final="0" is a running job: its JSON state
 * (registry:jobrun-progress) is fetched every second and written into the elements marked
 * data-job="<id>" data-field="<name>" until the status is final. Without JavaScript the page shows the
 * state it was rendered with, and a "Muat ulang" link.
 */
(function () {
  "use strict";

  var INTERVAL_MS = 1000;

  function show(jobId, data) {
    var fields = document.querySelectorAll('[data-job="' + jobId + '"][data-field]');
    Array.prototype.forEach.call(fields, function (el) {
      var name = el.getAttribute("data-field");
      if (name === "bar") {
        el.value = data.percent;
        el.textContent = data.percent + "%";
        return;
      }
      var value = data[name];
      el.textContent = value === null || value === undefined || value === "" ? "—" : String(value);
      if (name === "status_label") {
        el.setAttribute("data-status", data.status);
      }
      if (name === "error") {
        el.textContent = data.error || "";
        el.hidden = !data.error;
      }
    });
  }

  function poll(box) {
    var jobId = box.getAttribute("data-job");
    fetch(box.getAttribute("data-progress-url"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        // A redirect means the session ended (login page): stop and leave the refresh link.
        if (!response.ok || response.redirected) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(jobId, data);
        if (data.final) {
          box.setAttribute("data-final", "1");
        } else {
          window.setTimeout(function () { poll(box); }, INTERVAL_MS);
        }
      })
      .catch(function () {
        box.classList.add("job-progress-stale");
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var running = document.querySelectorAll('[data-progress-url][data-final="0"]');
    Array.prototype.forEach.call(running, function (box) {
      window.setTimeout(function () { poll(box); }, INTERVAL_MS);
    });
  });
})();
