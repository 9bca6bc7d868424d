// qinglian console: uploads a file as the request body (XMLHttpRequest, for the upload's
// progress), then polls the import job until it is done and opens the batch. No inline
// script: the Content-Security-Policy allows scripts from this server only.
(function () {
  "use strict";
  function start() {
    var form = document.getElementById("upload");
    if (!form) { return; }
    var bar = document.getElementById("upload-progress");
    var out = document.getElementById("upload-status");
    function poll(url) {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (j) {
          if (j.state === "running") {
            if (j.total > 0) { bar.value = 50 + Math.floor(50 * j.done / j.total); }
            setTimeout(function () { poll(url); }, 500);
          } else if (j.state === "done") {
            bar.value = 100;
            out.textContent = form.getAttribute("data-done");
            window.location.href = "/imports/" + encodeURIComponent(j.batch);
          } else {
            form.setAttribute("data-error", j.code || "failed");
            out.textContent = form.getAttribute("data-failed") + " " + (document.documentElement.lang === "en" ? j.message : j.message_zh);
          }
        })
        .catch(function (e) { out.textContent = String(e); });
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var file = form.querySelector("input[type=file]").files[0];
      if (!file) { return; }
      var dataset = form.querySelector("select[name=dataset]").value;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/imports/upload?dataset=" + encodeURIComponent(dataset) + "&name=" + encodeURIComponent(file.name));
      xhr.setRequestHeader("X-CSRF-Token", form.getAttribute("data-csrf"));
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { bar.value = Math.floor(50 * e.loaded / e.total); }
      };
      xhr.onload = function () {
        var j = {};
        try { j = JSON.parse(xhr.responseText); } catch (e) { j = {}; }
        if (xhr.status === 202 && j.status) { poll(j.status); } else {
          out.textContent = form.getAttribute("data-failed") + " " + (document.documentElement.lang === "en" ? j.message : j.message_zh);
        }
      };
      xhr.send(file);
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
