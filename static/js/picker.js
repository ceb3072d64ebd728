/* Searchable pickers: a <select data-picker> becomes a text box that lists the options matching what is
   typed — in the name, in the pinyin initials or the whole pinyin (computed on the server into each
   option's data-search, config/pickers.py: "ytrm" finds 酉阳土家族苗族自治县人民医院) or in a code.
   The <select> stays in the form (hidden, out of the Tab order) and carries the value that is sent.

   data-picker                   enhance this <select>
   data-picker-url               ask this address for matches (?q=…, JSON {"results": [{value, label}]})
                                 instead of searching the options in the page (households: far too many)
   data-picker-placeholder       the box's placeholder

   Keys: typing filters; ↓/↑ move in the list; Enter or Tab takes the highlighted option; Esc closes the
   list and puts back the chosen name. Enter that takes an option does not submit the form; it sends
   "picker:taken" (detail.key "Enter") from the box instead. */
(function () {
  "use strict";

  var MAX_SHOWN = 50;
  var REMOTE_DELAY_MS = 200;
  var counter = 0;

  function normalize(text) {
    return (text || "").toLowerCase().replace(/\s+/g, "");
  }

  // Whether the letters of query appear in order in word ("ytrm" in "yytjzmzzzxrmyy").
  function inOrder(query, word) {
    var at = 0;
    for (var i = 0; i < word.length && at < query.length; i++) {
      if (word.charAt(i) === query.charAt(at)) {
        at++;
      }
    }
    return at === query.length;
  }

  // Lower is better; -1 when the option does not match at all.
  function score(query, item) {
    var label = normalize(item.label);
    if (label.indexOf(query) === 0) {
      return 0;
    }
    if (label.indexOf(query) > 0) {
      return 1;
    }
    var words = item.search.split(" ");
    var initials = words[0] || "";
    if (initials.indexOf(query) === 0) {
      return 2;
    }
    for (var i = 0; i < words.length; i++) {
      if (words[i] && words[i].indexOf(query) >= 0) {
        return 3;
      }
    }
    if (/^[a-z]+$/.test(query) && inOrder(query, initials)) {
      return 4;
    }
    return -1;
  }

  function Picker(select) {
    this.select = select;
    this.url = select.getAttribute("data-picker-url");
    this.items = [];
    this.shown = [];
    this.active = -1;
    this.timer = null;
    this.asked = "";
    this.build();
  }

  Picker.prototype.build = function () {
    var select = this.select;
    var id = select.id || "picker-" + (++counter);
    var box = document.createElement("div");
    box.className = "picker";
    var input = document.createElement("input");
    input.type = "text";
    input.id = id + "-picker";
    input.className = "picker-input";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-list");
    input.placeholder = select.getAttribute("data-picker-placeholder") || "";
    if (select.getAttribute("aria-invalid")) {
      input.setAttribute("aria-invalid", select.getAttribute("aria-invalid"));
    }
    var list = document.createElement("ul");
    list.id = id + "-list";
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    box.appendChild(input);
    box.appendChild(list);
    select.parentNode.insertBefore(box, select.nextSibling);
    // Kept rendered (a test or an assistive tool may still set it) but out of sight and out of the Tab order.
    select.classList.add("picker-source");
    select.tabIndex = -1;
    select.setAttribute("aria-hidden", "true");
    document.querySelectorAll("label[for='" + id + "']").forEach(function (label) {
      label.htmlFor = input.id;
    });
    this.input = input;
    this.list = list;
    this.readOptions();
    this.showChosen();

    var picker = this;
    input.addEventListener("focus", function () { input.select(); });
    // Kept from the form: the box has no name, what is typed in it is not the form's data (the live preview
    // of the claim form would ask the server again at each letter).
    input.addEventListener("input", function (event) {
      event.stopPropagation();
      picker.typed();
    });
    input.addEventListener("keydown", function (event) { picker.key(event); });
    input.addEventListener("blur", function () { picker.leave(); });
    // mousedown, not click: the box must not lose the focus (and close the list) first.
    list.addEventListener("mousedown", function (event) {
      var option = event.target.closest("li[data-index]");
      if (option) {
        event.preventDefault();
        picker.take(Number(option.getAttribute("data-index")));
      }
    });
    select.addEventListener("change", function () { picker.showChosen(); });
    if (select.autofocus) {
      select.autofocus = false;
      input.autofocus = true;
      input.focus();
    }
  };

  Picker.prototype.readOptions = function () {
    this.items = Array.prototype.filter.call(this.select.options, function (option) {
      return option.value !== "";
    }).map(function (option) {
      return {value: option.value, label: option.textContent, search: option.getAttribute("data-search") || ""};
    });
  };

  Picker.prototype.chosenLabel = function () {
    var option = this.select.options[this.select.selectedIndex];
    return option && option.value !== "" ? option.textContent : "";
  };

  Picker.prototype.showChosen = function () {
    this.input.value = this.chosenLabel();
  };

  Picker.prototype.typed = function () {
    var query = normalize(this.input.value);
    if (!query) {
      this.close();
      return;
    }
    if (this.url) {
      var picker = this;
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(function () { picker.ask(query); }, REMOTE_DELAY_MS);
      return;
    }
    this.filter(query);
  };

  Picker.prototype.filter = function (query) {
    var ranked = [];
    this.items.forEach(function (item, order) {
      var rank = score(query, item);
      if (rank >= 0) {
        ranked.push({item: item, rank: rank, order: order});
      }
    });
    ranked.sort(function (a, b) { return a.rank - b.rank || a.order - b.order; });
    this.open(ranked.slice(0, MAX_SHOWN).map(function (entry) { return entry.item; }));
  };

  Picker.prototype.ask = function (query) {
    var picker = this;
    this.asked = query;
    var address = this.url + (this.url.indexOf("?") >= 0 ? "&" : "?") + "q=" + encodeURIComponent(this.input.value.trim());
    fetch(address, {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (answer) {
        if (picker.asked !== query || normalize(picker.input.value) !== query) {
          return;  // an older answer: the clerk has typed on
        }
        picker.open(answer.results.map(function (r) { return {value: String(r.value), label: r.label, search: ""}; }));
      })
      .catch(function () {
        picker.open([], "查询失败，请稍后再试");
      });
  };

  Picker.prototype.open = function (items, note) {
    var list = this.list;
    list.textContent = "";
    this.shown = items;
    items.forEach(function (item, index) {
      var li = document.createElement("li");
      li.id = this.list.id + "-" + index;
      li.setAttribute("role", "option");
      li.setAttribute("data-index", String(index));
      li.textContent = item.label;
      list.appendChild(li);
    }, this);
    if (!items.length) {
      var empty = document.createElement("li");
      empty.className = "picker-none";
      empty.textContent = note || "没有匹配的选项";
      list.appendChild(empty);
    }
    list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.highlight(items.length ? 0 : -1);
  };

  Picker.prototype.close = function () {
    this.list.hidden = true;
    this.shown = [];
    this.active = -1;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  };

  Picker.prototype.highlight = function (index) {
    var options = this.list.querySelectorAll("li[data-index]");
    options.forEach(function (li) { li.removeAttribute("aria-selected"); });
    this.active = index;
    if (index >= 0 && options[index]) {
      options[index].setAttribute("aria-selected", "true");
      options[index].scrollIntoView({block: "nearest"});
      this.input.setAttribute("aria-activedescendant", options[index].id);
    }
  };

  Picker.prototype.take = function (index) {
    var item = this.shown[index];
    if (!item) {
      return;
    }
    var select = this.select;
    var option = Array.prototype.find.call(select.options, function (o) { return o.value === item.value; });
    if (!option) {  // a remote answer: the <select> holds only the chosen option
      option = new Option(item.label, item.value);
      select.add(option);
    }
    this.close();
    if (select.value !== item.value) {
      select.value = item.value;
      // Bubbles to the form, so that its listeners (the claim form's live preview) see the change.
      select.dispatchEvent(new Event("change", {bubbles: true}));
    }
    this.showChosen();
  };

  Picker.prototype.key = function (event) {
    if (event.isComposing) {
      return;  // an input method's Enter confirms its own text
    }
    var open = !this.list.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) {
        var query = this.input.value === this.chosenLabel() ? "" : normalize(this.input.value);
        if (query) {
          this.typed();
        } else if (!this.url) {
          this.open(this.items.slice(0, MAX_SHOWN));  // the whole list, in pinyin order
        }
        return;
      }
      var step = event.key === "ArrowDown" ? 1 : -1;
      var count = this.shown.length;
      if (count) {
        this.highlight((this.active + step + count) % count);
      }
    } else if (event.key === "Enter") {
      if (open) {
        event.preventDefault();  // taking an option is not submitting the form
        if (this.active >= 0) {
          this.take(this.active);
          // A form that moves on with Enter (static/js/entry.js) moves on from here.
          this.input.dispatchEvent(new CustomEvent("picker:taken", {bubbles: true, detail: {key: "Enter"}}));
        }
      }
    } else if (event.key === "Tab") {
      if (open && this.active >= 0) {
        this.take(this.active);
      }
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      this.close();
      this.showChosen();
      this.input.select();
    }
  };

  Picker.prototype.leave = function () {
    if (!normalize(this.input.value) && this.select.value !== "" &&
        Array.prototype.some.call(this.select.options, function (o) { return o.value === ""; })) {
      // The name was wiped out: choose nothing.
      this.select.value = "";
      this.select.dispatchEvent(new Event("change", {bubbles: true}));
    }
    this.close();
    this.showChosen();
  };

  document.querySelectorAll("select[data-picker]").forEach(function (select) {
    new Picker(select);
  });
})();
