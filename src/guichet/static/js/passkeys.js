/*
 * Passkeys (WebAuthn): the one journey that needs JavaScript.
 *
 * A form marked data-webauthn="create" or "get" carries the options from the server in
 * data-webauthn-options (JSON, binary values in base64url). On submit the script asks the browser
 * for a credential, puts its JSON form into the hidden "credential" field and submits the form
 * normally; the server verifies everything. Without JavaScript (or WebAuthn) the buttons stay
 * hidden and the page offers the authenticator app and recovery codes instead.
 */
(function () {
  "use strict";

  function toBuffer(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return Object.assign({}, item, { id: toBuffer(item.id) });
    });
  }

  function creationOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = toBuffer(json.challenge);
    options.user = Object.assign({}, json.user, { id: toBuffer(json.user.id) });
    options.excludeCredentials = descriptors(json.excludeCredentials);
    return options;
  }

  function requestOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = toBuffer(json.challenge);
    options.allowCredentials = descriptors(json.allowCredentials);
    return options;
  }

  function credentialJSON(credential) {
    if (typeof credential.toJSON === "function") {
      try { return credential.toJSON(); } catch (e) { /* fall back below */ }
    }
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      out.response.attestationObject = toBase64url(response.attestationObject);
      if (typeof response.getTransports === "function") { out.response.transports = response.getTransports(); }
    } else {
      out.response.authenticatorData = toBase64url(response.authenticatorData);
      out.response.signature = toBase64url(response.signature);
      if (response.userHandle) { out.response.userHandle = toBase64url(response.userHandle); }
    }
    return out;
  }

  function setUp(form) {
    var mode = form.getAttribute("data-webauthn");
    var input = form.querySelector("input[name$='credential']");
    var status = form.querySelector("[data-webauthn-status]");
    var options;
    try {
      options = JSON.parse(form.getAttribute("data-webauthn-options")).publicKey;
    } catch (e) {
      return;
    }
    form.querySelectorAll("[data-webauthn-requires-js]").forEach(function (el) { el.hidden = false; });

    form.addEventListener("submit", function (event) {
      if (input.value) { return; }
      event.preventDefault();
      if (typeof form.reportValidity === "function" && !form.reportValidity()) { return; }
      if (status) { status.hidden = true; }
      var request = mode === "create"
        ? navigator.credentials.create({ publicKey: creationOptions(options) })
        : navigator.credentials.get({ publicKey: requestOptions(options) });
      request.then(function (credential) {
        if (!credential) { throw new Error("no credential"); }
        input.value = JSON.stringify(credentialJSON(credential));
        form.submit();
      }).catch(function () {
        if (status) {
          status.textContent = form.getAttribute("data-webauthn-error");
          status.hidden = false;
          status.focus();
        }
      });
    });
  }

  var forms = document.querySelectorAll("form[data-webauthn]");
  if (!window.PublicKeyCredential || !navigator.credentials) {
    document.querySelectorAll("[data-webauthn-unsupported]").forEach(function (el) { el.hidden = false; });
    return;
  }
  forms.forEach(setUp);
}());
