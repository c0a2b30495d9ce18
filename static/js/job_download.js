/* Download link of a background export ("Proses latar").
 *
 * The link to a finished export's file is on the job's page from the start, hidden while the export runs.
 * job_progress.js writes each polled state into the page, including the status element's data-status;
 * when that becomes "selesai" (done) the job's link is shown. Without JavaScript the link appears when
 * the page is reloaded.
 */
(function () {
  "use strict";

  var DONE = "selesai";

  function reveal(jobId) {
    var links = document.querySelectorAll('a[data-job="' + jobId + '"][data-field="download_label"]');
    Array.prototype.forEach.call(links, function (link) {
      link.hidden = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var statuses = document.querySelectorAll('[data-job][data-field="status_label"]');
    Array.prototype.forEach.call(statuses, function (status) {
      new MutationObserver(function () {
        if (status.getAttribute("data-status") === DONE) {
          reveal(status.getAttribute("data-job"));
        }
      }).observe(status, { attributes: true, attributeFilter: ["data-status"] });
    });
  });
})();
